"""Browser forms for adverse events, the CRS, ICANS and GVHD details that grade them, and the
investigator's signed DLT decision."""

from django import forms

from core.forms import CrfForm, SignatureForm, required_text_field
from safety.models import AdverseEvent, CrsDetails, DltDecision, GvhdDetails, IcansDetails


class AdverseEventForm(CrfForm):
    class Meta:
        model = AdverseEvent
        fields = ["term", "grade", "onset_date", "resolution_date", "serious", "relatedness",
                  "outcome", "action_taken", "site_aware_at", "sponsor_reported_at", "narrative"]


class CrsDetailsForm(CrfForm):
    parent_field = "adverse_event"

    class Meta:
        model = CrsDetails
        fields = ["max_temp_c", "hypotension", "oxygen", "fever_masked", "died_of_crs"]


class IcansDetailsForm(CrfForm):
    parent_field = "adverse_event"

    class Meta:
        model = IcansDetails
        fields = ["instrument", "ice_score", "capd_score", "unable_to_assess", "consciousness",
                  "seizure", "motor_weakness", "cerebral_edema", "died_of_icans"]


class GvhdDetailsForm(CrfForm):
    parent_field = "adverse_event"

    class Meta:
        model = GvhdDetails
        fields = ["skin_stage", "liver_stage", "upper_gi_stage", "lower_gi_stage", "magic_grade"]


class DltSignatureForm(SignatureForm):
    """An investigator's signed DLT decision: the meaning is shown, the credentials re-entered."""

    decision = forms.ChoiceField(label="Decision", choices=DltDecision.choices,
                                 widget=forms.RadioSelect)
    rationale = required_text_field("Rationale", widget=forms.Textarea(attrs={"rows": 3}))


class DltRevokeForm(SignatureForm):
    reason = required_text_field("Why revoke this signed decision",
                                 widget=forms.Textarea(attrs={"rows": 2}))
