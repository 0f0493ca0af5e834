from django import forms
from django.utils import timezone

from core.forms import SignatureForm, required_text_field
from endpoints.cutoffs import cutoff_refusal


class CutoffForm(forms.Form):
    """The report's data cutoff, a GET parameter; today when absent, never after today."""

    cutoff = forms.DateField(
        required=False, label="Data cutoff", input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "cutoff: enter a date as YYYY-MM-DD."})

    def clean_cutoff(self):
        cutoff = self.cleaned_data.get("cutoff")
        if cutoff is not None and (refusal := cutoff_refusal(cutoff,
                                                             today=timezone.localdate())):
            raise forms.ValidationError(refusal, code="out_of_range")
        return cutoff

    def cutoff_or_today(self):
        return self.cleaned_data.get("cutoff") or timezone.localdate()


class DataCutForm(SignatureForm):
    """Freezing a data cut: its name, the reason, the cutoff, and the e-signature."""

    name = forms.CharField(label="Name of the data cut", max_length=120,
                           help_text="e.g. \u201cSRC meeting 3, DL2 cohort\u201d; shown to every "
                                     "report reader, so no patient details.")
    reason = required_text_field("Reason for freezing", widget=forms.Textarea(attrs={"rows": 2}))
    cutoff = forms.DateField(
        required=False, label="Data cutoff", input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Default today.",
        error_messages={"invalid": "cutoff: enter a date as YYYY-MM-DD."})

    def clean_cutoff(self):
        return CutoffForm.clean_cutoff(self)
