"""Browser forms for adverse events, the CRS, ICANS and GVHD details that grade them, and the
investigator's signed DLT decision."""

from django import forms
from django.utils.html import format_html, format_html_join

from core.forms import CrfForm, SignatureForm, required_text_field
from safety.dlt_rules import KIND_TERMS
from safety.models import AdverseEvent, CrsDetails, DltDecision, GvhdDetails, IcansDetails

# The coded list the AE term offers: the CTCAE v5.0 terms (and ASTCT's ICANS) that the DLT rules
# tell apart, spelled out (their abbreviations are still understood when typed). Any other term
# is "other, specify": typed as CTCAE spells it. A list to pick from, not a closed choice, so the
# terms already recorded stay valid and the rules' "other" toxicities can be named.
CODED_TERMS = tuple(sorted({t for terms in KIND_TERMS.values() for t in terms
                            if not t.isupper() and t != "aGVHD"}, key=str.casefold))
TERM_HELP = ("Pick a CTCAE v5.0 term from the list as you type, or, for any other, specify the "
             "term as CTCAE v5.0 spells it.")


class CodedTermInput(forms.TextInput):
    """A text input with the coded terms offered as the browser's suggestion list."""

    list_id = "ctcae-terms"

    def __init__(self, attrs=None):
        super().__init__({**(attrs or {}), "list": self.list_id, "autocomplete": "off"})

    def render(self, name, value, attrs=None, renderer=None):
        options = format_html_join("", '<option value="{}"></option>', ((t,) for t in CODED_TERMS))
        return format_html('{}<datalist id="{}">{}</datalist>',
                           super().render(name, value, attrs, renderer), self.list_id, options)


class AdverseEventForm(CrfForm):
    class Meta:
        model = AdverseEvent
        fields = ["term", "grade", "onset_date", "resolution_date", "serious", "relatedness",
                  "outcome", "action_taken", "site_aware_at", "sponsor_reported_at", "narrative"]
        widgets = {"term": CodedTermInput}
        help_texts = {"term": TERM_HELP}


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
