"""Browser forms for response assessments, relapse/progression, HSCT and death."""

from django import forms

from core.forms import CrfForm, TypedFloatField
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment

BELOW = "<"


class MrdField(TypedFloatField):
    """MRD as typed: a number, or "<" and the assay's detection limit ("<0.01"), which the form
    records as the limit with `mrd_below_detection`."""

    pattern = r"<?\s*[0-9]*[.]?[0-9]+([eE][\-+]?[0-9]+)?"
    example = "0.5, or <0.01 below the limit of detection"

    def to_python(self, value):
        text = str(value or "").strip()
        below = text.startswith(BELOW)
        number = super().to_python(text.removeprefix(BELOW).strip() if below else value)
        if below and number is None:
            raise forms.ValidationError(
                "“<” needs the detection limit after it, e.g. <0.01.", code="invalid")
        return (number, below)

    def validate(self, value):
        super().validate(value[0])

    def run_validators(self, value):
        super().run_validators(value[0])


class ResponseAssessmentForm(CrfForm):
    mrd_pct = MrdField(
        label="MRD (%)", required=False,
        help_text=ResponseAssessment._meta.get_field("mrd_pct").help_text)

    class Meta:
        model = ResponseAssessment
        fields = ["visit", "date", "marrow_blasts_pct", "mrd_pct", "peripheral_blasts",
                  "extramedullary", "anc_per_uL", "platelets_per_uL", "response"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = self.instance
        if record.mrd_below_detection and record.mrd_pct is not None and not self.is_bound:
            self.initial["mrd_pct"] = f"{BELOW}{record.mrd_pct:g}"

    def clean_mrd_pct(self):
        value, below = self.cleaned_data["mrd_pct"]
        self.instance.mrd_below_detection = below
        return value


class DiseaseEventForm(CrfForm):
    class Meta:
        model = DiseaseEvent
        fields = ["date", "type", "site"]


class HsctForm(CrfForm):
    class Meta:
        model = Hsct
        fields = ["date", "donor_type"]


class DeathForm(CrfForm):
    class Meta:
        model = Death
        fields = ["date", "cause"]
