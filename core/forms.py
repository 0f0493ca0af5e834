"""The base of every CRF form in the browser: dates typed or picked, a reason for change on edits,
and the row version the editor loaded (optimistic locking, see `core.audit.record_save`).

The forms are thin: the field validators and the models' `clean()` hold the rules, so the browser,
the API and the import give the same messages, shown beside the field they concern.
"""


from django import forms
from django.db import models

from core.audit import MissingChangeReasonError
from core.esignature import PASSWORD_REQUIRED, USER_ID_REQUIRED
from core.text_rules import is_blank
from core.text_validators import visible_text_required

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
UNVERSIONED_EDIT = (
    "This page did not say which version of the record it was opened at (it was incomplete or "
    "out of date), so nothing was saved: another change could have been overwritten. Check "
    "the values below against the record and save again.")


class TypedAsIs:
    """A number field that reaches the server as typed: a text box (`inputmode` brings the
    numeric keyboard, `pattern` marks a wrong entry) instead of the browser's number input,
    which silently turns "1O" into 1 and "ninety" into nothing. What is not a number is refused
    with a message naming the field, the rule and what was typed."""

    rule = "a number"
    example = "12.5"
    inputmode = "decimal"
    pattern = r"[\-+]?[0-9]*[.]?[0-9]+([eE][\-+]?[0-9]+)?"

    def __init__(self, **kwargs):
        kwargs["widget"] = forms.TextInput(attrs={"inputmode": self.inputmode,
                                                  "pattern": self.pattern})
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as refused:
            if refused.code != "invalid":
                raise
            raise forms.ValidationError(
                "“%(typed)s” is not %(rule)s: %(label)s takes digits only, e.g. %(example)s "
                "(nothing was saved).", code="invalid",
                params={"typed": str(value).strip(), "rule": self.rule,
                        "label": self.label or "this field", "example": self.example}) from None


class TypedFloatField(TypedAsIs, forms.FloatField):
    pass


class TypedIntegerField(TypedAsIs, forms.IntegerField):
    rule = "a whole number"
    example = "27"
    inputmode = "numeric"
    pattern = r"[\-+]?[0-9]+"


def _browser_widget(db_field, **kwargs):
    """The browser's own date/time pickers (typing still works): no JavaScript library needed.
    Numbers are typed in text boxes and checked by the server (`TypedAsIs`)."""
    if isinstance(db_field, models.FloatField):
        return db_field.formfield(form_class=TypedFloatField, **kwargs)
    if isinstance(db_field, models.IntegerField):
        return db_field.formfield(form_class=TypedIntegerField, **kwargs)
    if isinstance(db_field, models.DateTimeField):
        kwargs["widget"] = DATETIME_WIDGET
    elif isinstance(db_field, models.DateField):
        kwargs["widget"] = DATE_WIDGET
    elif isinstance(db_field, models.TimeField):
        kwargs["widget"] = TIME_WIDGET
    elif isinstance(db_field, models.TextField):
        kwargs["widget"] = forms.Textarea(attrs={"rows": 3})
    return db_field.formfield(**kwargs)


class VersionedEditForm(forms.ModelForm):
    """A form that edits an audited record carries the `row_version` it was opened at, so that
    `record_save` refuses the edit if someone saved the record since (no lost update)."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The version the form is opened at when it is not its instance's: the admin's form of an
    # old version (a revert) edits the current record, at the current record's version.
    opened_row_version: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["row_version"].initial = (self.opened_row_version
                                              or self.instance.row_version)

    def take_opened_version(self, cleaned) -> None:
        """For an edit: the record takes the version the editor opened, not the one just read
        (a save on top of someone else's newer change must be refused); an edit that does not
        say which version it was made from could overwrite a change the editor never saw
        ("latest wins"), and is refused."""
        if self.instance._state.adding:
            return
        if cleaned.get("row_version") is not None:
            self.instance.row_version = cleaned["row_version"]
        elif "row_version" not in self.errors:
            self.refuse_offering_current_version(UNVERSIONED_EDIT)

    def refuse_offering_current_version(self, message: str) -> None:
        """Refuse with `message`, the typed values kept; the form now carries the current
        version (the record was just read), so that saving again is a deliberate choice."""
        self.add_error(None, message)
        self.data = self.data.copy()
        self.data[self.add_prefix("row_version")] = self.instance.row_version


class CrfForm(VersionedEditForm):
    """A CRF's ModelForm. Subclasses name the model and fields; the parent (patient or adverse
    event) is set on the instance by the view and never posted."""

    formfield_callback = _browser_widget

    def __init_subclass__(cls, **kwargs):
        # Django reads the callback from the form's Meta only, and each CRF form has its own
        # Meta: give it the browser widgets (date pickers, numbers kept as typed) there.
        super().__init_subclass__(**kwargs)
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = staticmethod(_browser_widget)

    reason = forms.CharField(
        label="Reason for change", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when a saved record is edited; kept in the audit trail.")

    # The parent link and `voided_at` are not form fields, yet the one-active-per-patient
    # constraints name them: validate them too, so a duplicate is reported on the form rather
    # than failing in the database.
    parent_field: str | None = "patient"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_new:
            del self.fields["reason"]

    @property
    def is_new(self) -> bool:
        return self.instance._state.adding

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        exclusions.discard("voided_at")
        if self.parent_field:
            exclusions.discard(self.parent_field)
        return exclusions

    def clean(self):
        cleaned = super().clean()
        if not self.is_new:
            typed = cleaned.get("reason")
            if is_blank(typed):
                self.add_error("reason", MissingChangeReasonError(typed).message_dict["reason"][0])
        self.take_opened_version(cleaned)
        return cleaned


def required_text_field(label: str, **kwargs) -> forms.CharField:
    """A required text box (a reason, a question, a rationale) that refuses text made only of
    invisible characters (`core.text_rules`), beside the field, before any service runs."""
    kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
    return forms.CharField(label=label, validators=[visible_text_required], **kwargs)


class VoidForm(forms.Form):
    """A void names the version of the record it was asked from: voiding a record someone
    changed since the page was opened is refused, as an edit is."""

    reason = required_text_field("Reason for voiding",
                                 help_text="The record stays in the audit trail; it leaves the "
                                           "trial's data.")
    row_version = forms.IntegerField(widget=forms.HiddenInput,
                                     error_messages={"required": UNVERSIONED_EDIT,
                                                     "invalid": UNVERSIONED_EDIT})

    def offer_current_version(self, record) -> None:
        """After a refusal, the form carries the record's current version (just read), so that
        voiding again is a deliberate choice."""
        self.data = self.data.copy()
        self.data["row_version"] = record.row_version


class SignatureForm(forms.Form):
    """An electronic signature's components (21 CFR Part 11 §11.200(a)(1)): the user ID on the
    session's first signature, and the password every time. The subclass adds what is signed;
    `core.esignature.sign_in_session` checks them."""

    user_id = forms.CharField(
        label="Your user ID (electronic signature)",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        error_messages={"required": USER_ID_REQUIRED},
        help_text="Asked at the first signature of a session; later ones need the password.")
    password = forms.CharField(
        label="Your password (electronic signature)",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": PASSWORD_REQUIRED})

    def __init__(self, *args, asks_user_id: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not asks_user_id:
            del self.fields["user_id"]
        # The signature's components come last, after what is signed.
        for name in ("user_id", "password"):
            if name in self.fields:
                self.fields[name] = self.fields.pop(name)
