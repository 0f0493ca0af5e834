"""The small forms of the query cycle, shown on the record's page."""

from django import forms

from core.forms import CrfForm, required_text_field
from monitoring.models import ProtocolDeviation
from patients.models import Patient

WHOLE_RECORD = ("", "The whole record")


class QueryRaiseForm(forms.Form):
    field_name = forms.ChoiceField(label="About", required=False)
    question = required_text_field("Query")

    def __init__(self, *args, field_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field_name"].choices = [WHOLE_RECORD, *field_choices]


class QueryAnswerForm(forms.Form):
    answer = required_text_field("Answer")


class QueryFilterForm(forms.Form):
    """The query list's filters, from the URL: which queries (by status) and whose (subject ID).
    A value that is not one of these is refused with a message naming it, never a 500."""

    SHOW = (("outstanding", "Outstanding (open or answered)"), ("open", "Open: awaiting the site"),
            ("answered", "Answered: awaiting the monitor"), ("closed", "Closed"), ("all", "All"))
    show = forms.ChoiceField(label="Status", choices=SHOW, required=False, error_messages={
        "invalid_choice": "Status: %(value)s is not one of outstanding, open, answered, closed "
                          "or all."})
    patient = forms.CharField(label="Patient (subject ID)", required=False, max_length=20)

    def clean_show(self):
        return self.cleaned_data["show"] or "outstanding"

    def clean_patient(self):
        subject_id = self.cleaned_data["patient"].strip()
        if not subject_id:
            return None
        patient = Patient.objects.filter(subject_id=subject_id).first()
        if patient is None:
            raise forms.ValidationError(f"Patient: there is no patient {subject_id}.")
        return patient


class QueryCloseForm(forms.Form):
    comment = forms.CharField(label="Comment on closing (optional)", required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class QueryReopenForm(forms.Form):
    reason = required_text_field("Why re-open")


def field_choices(crf_form) -> list[tuple[str, str]]:
    """(field name, label) of a CRF form's data fields, for "About"."""
    form = crf_form()
    return [(name, str(field.label)) for name, field in form.fields.items()
            if name not in ("row_version", "reason")]


class ProtocolDeviationForm(CrfForm):
    """A deviation entered by hand (coordinator or monitor); the investigator assesses it on
    its own page (`DeviationAssessForm`)."""

    class Meta:
        model = ProtocolDeviation
        fields = ["category", "description", "deviation_date", "identified_on"]


YES_NO = ((True, "Yes"), (False, "No"))


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=YES_NO, widget=forms.RadioSelect,
                                  coerce=lambda value: value in (True, "True"))


class DeviationAssessForm(forms.Form):
    """The investigator's assessment of one deviation."""

    important = _yes_no("Important deviation")
    impact_on_safety = _yes_no("Impact on the patient's safety")
    impact_on_data = _yes_no("Impact on the data")
    corrective_action = forms.CharField(label="Corrective and preventive action",
                                        widget=forms.Textarea, required=False)
