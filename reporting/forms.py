from django import forms
from django.utils import timezone


class CutoffForm(forms.Form):
    """The report's data cutoff, a GET parameter; today when absent."""

    cutoff = forms.DateField(
        required=False, label="Data cutoff", input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "cutoff: enter a date as YYYY-MM-DD."})

    def cutoff_or_today(self):
        return self.cleaned_data.get("cutoff") or timezone.localdate()
