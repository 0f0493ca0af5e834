"""Admin pages for every model, for admins (who edit) and monitors (who read).

Every save goes through `audit.record_save` with the reason typed into the form; nothing can be
deleted; a record is voided by giving a void reason. The History button shows the audit trail;
an old version's "Revert" is an edit like any other (a reason, the locks, `record_save`), open
only to those who may change the record.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from simple_history.admin import SimpleHistoryAdmin

from core import edit_checks
from core.audit import (
    ClinicalRecord,
    LockedRecordError,
    MissingChangeReasonError,
    StaleRecordError,
    check_writable,
    record_save,
    record_void,
    void_plan,
)
from core.forms import VersionedEditForm
from core.models import Study
from core.subject_ids import subject_id_problem
from core.text_rules import is_blank
from core.text_validators import visible_text_required


class AuditedAdminForm(VersionedEditForm):
    change_reason = forms.CharField(
        label="Reason for change", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        validators=[visible_text_required],
        help_text="Required when you change a saved record; kept in the audit trail.")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.has_changed() and not self.reason_given(cleaned):
            self.add_error("change_reason", MissingChangeReasonError(
                cleaned.get("change_reason")).message_dict["reason"][0])
        opened = cleaned.get("row_version")
        if self.instance.pk and opened is not None and opened != self.instance.row_version:
            # Saved by someone else since this page was opened: said here, with the typed
            # values kept (record_save would refuse it too, after the form).
            self.refuse_offering_current_version(str(StaleRecordError(self.instance)))
        else:
            self.take_opened_version(cleaned)
        return cleaned

    def reason_given(self, cleaned) -> bool:
        return not is_blank(cleaned.get("change_reason"))

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the typed values
        # A locked record is refused on the form, with the lock named, rather than on save.
        try:
            check_writable(self.instance)
        except LockedRecordError as locked:
            self.add_error(None, locked)


class ClinicalAdminForm(AuditedAdminForm):
    void_reason_input = forms.CharField(
        label="Void this record because", required=False, validators=[visible_text_required],
        help_text="Fill in only to void a record entered in error. It stays in the audit trail.")

    confirm_checks_reason = forms.CharField(
        label="Confirm the edit-check warnings because", required=False,
        validators=[visible_text_required], widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when the form warns of a soft edit check (docs/edit-checks.md): the "
                  "reason is kept in the audit trail and a query is opened for the monitor.")
    # The soft edit checks confirmed with the reason above (check id → reason), for the save.
    soft_confirmations: dict = {}

    def reason_given(self, cleaned) -> bool:
        return super().reason_given(cleaned) or not is_blank(cleaned.get("void_reason_input"))

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not is_blank(self.cleaned_data.get("void_reason_input")):
            return
        fired = edit_checks.findings(self.instance, kind=edit_checks.SOFT)
        reason = self.cleaned_data.get("confirm_checks_reason", "")
        if fired and is_blank(reason):
            self.add_error("confirm_checks_reason", [
                f"{finding.text()} Give a reason here to save it as entered."
                for finding in fired])
        self.soft_confirmations = {finding.id: reason for finding in fired}

    def clean(self):
        cleaned = super().clean()
        # A void its dependants refuse (or a lock on one of them) is said on the form.
        if self.instance.pk and not is_blank(cleaned.get("void_reason_input")):
            try:
                void_plan(self.instance)
            except ValidationError as refused:
                self.add_error("void_reason_input", refused)
        return cleaned


class AuditedAdmin(SimpleHistoryAdmin):
    form = AuditedAdminForm
    actions = None
    # The form's own hidden field, not the model's (not editable) one.
    exclude = ("row_version",)

    def has_delete_permission(self, request, obj=None):
        return False  # audited records are never deleted

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleRecordError as stale:
            # Another writer saved between this request's read and its write; the change
            # form's transaction rolled back, so nothing was saved. Show the current values.
            self.message_user(request, str(stale), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One old version of the record, read-only; POSTing it reverts the record to it.

        simple-history's own view saves whatever is posted to whoever may *view* the history,
        and saves the old version's copy, whose row version is out of date. Here a POST is
        refused to anyone who may not change the record, and is otherwise applied to the current
        record through the change form: the reason for change, the lock check and `record_save`
        (row version, signature rule) are those of any edit.
        """
        if request.method != "POST":
            # The page shows the old version's values; a revert posted from it edits the record
            # as it stands now, so the form carries the current record's row version.
            current = self.get_object(request, unquote(object_id))
            request.revert_opened_at = current.row_version if current is not None else None
            return super().history_form_view(request, object_id, version_id, extra_context)
        history = self.model.history.model
        get_object_or_404(history, id=unquote(object_id), history_id=unquote(version_id))
        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404(f"No {self.opts.verbose_name} with id {object_id}.")
        if not self.has_change_permission(request, current):
            raise PermissionDenied(
                f"You may read this {self.opts.verbose_name}'s history but not change it: "
                "nothing was saved.")
        return self.changeform_view(request, object_id, extra_context=extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        opened_at = getattr(request, "revert_opened_at", None)
        if opened_at is None:
            return form
        return type(form.__name__, (form,), {"opened_row_version": opened_at})

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # nothing to record
        reason = form.cleaned_data.get("change_reason", "")
        # The form has already validated the instance; record_save adds the audit entry.
        record_save(obj, by=request.user, reason=reason, validate=False,
                    confirmations=getattr(form, "soft_confirmations", {}))


class ClinicalAdmin(AuditedAdmin):
    form = ClinicalAdminForm
    readonly_fields = ("voided_at", "voided_by", "void_reason")

    def get_queryset(self, request):
        # Monitors and admins see voided records too, marked as such.
        return self.model.all_objects.all()

    def save_model(self, request, obj, form, change):
        void_reason = form.cleaned_data.get("void_reason_input", "")
        if change and not is_blank(void_reason):
            record_void(obj, by=request.user, reason=void_reason)
            return
        super().save_model(request, obj, form, change)


def register_clinical(*models, list_display=("__str__",), **options):
    for model in models:
        base = ClinicalAdmin if issubclass(model, ClinicalRecord) else AuditedAdmin
        admin_class = type(f"{model.__name__}Admin", (base,),
                           {"list_display": (*list_display, *_voided_column(model)), **options})
        admin.site.register(model, admin_class)


def _voided_column(model):
    return ("voided_at",) if issubclass(model, ClinicalRecord) else ()


# Reads the current patients' subject IDs, for the warning below: the patients app registers it
# (the kernel knows no patients), as the lock check registers with the audit trail.
_current_subject_ids: list[Callable[[], Iterable[str]]] = []
MISFITS_SHOWN = 20


def read_current_subject_ids_with(reader: Callable[[], Iterable[str]]) -> None:
    if reader not in _current_subject_ids:
        _current_subject_ids.append(reader)


def subject_ids_not_fitting(pattern: str) -> list[str]:
    """The current subject IDs that `pattern` would refuse, sorted."""
    return sorted(subject_id for reader in _current_subject_ids for subject_id in reader()
                  if subject_id_problem(subject_id, pattern))


@admin.register(Study)
class StudyAdmin(AuditedAdmin):
    list_display = ("protocol_id", "escalation_design", "target_dlt_rate", "dlt_window_days",
                    "subject_id_pattern")

    def has_add_permission(self, request):
        return not Study.objects.exists() and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "subject_id_pattern" not in form.changed_data:
            return
        # A new pattern applies to new and changed IDs; those already given stay valid, and the
        # admin learns which of them the new pattern would not admit.
        misfits = subject_ids_not_fitting(obj.subject_id_pattern)
        if misfits:
            shown = ", ".join(misfits[:MISFITS_SHOWN]) + (" …" if len(misfits) > MISFITS_SHOWN
                                                          else "")
            self.message_user(request, (
                f"{len(misfits)} current subject ID(s) do not fit the new pattern: {shown}. "
                "They stay valid; each must fit the pattern when it is next changed."),
                messages.WARNING)
