"""Browser forms for adverse events, the CRS, ICANS, GVHD, infection and IEC-HS details that grade
or describe them, the investigator's signed DLT decision, and the CAR-T long-term safety forms
(secondary malignancy, RCL test)."""

from django import forms

from core.forms import CrfForm, SignatureForm, required_text_field
from safety.dlt_rules import KIND_TERMS
from safety.models import (
    SERIOUSNESS_CRITERIA,
    AdverseEvent,
    ConcomitantMedication,
    CrsDetails,
    DltDecision,
    GvhdDetails,
    IcansDetails,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)

# The coded list the AE term offers: the CTCAE v5.0 terms (and ASTCT's ICANS) that the DLT rules
# tell apart (`safety.dlt_rules.KIND_TERMS`), spelled out, plus "Other, specify" for any other
# term, typed as CTCAE v5.0 spells it. The browser form offers a select; the stored `term` stays a
# text (the API and the import take the term as text, and terms recorded before the list stay
# valid: a record whose term is not listed opens with "Other, specify" and its text).
CODED_TERMS = tuple(sorted({t for terms in KIND_TERMS.values() for t in terms
                            if not t.isupper() and t != "aGVHD"}, key=str.casefold))
OTHER_TERM = "other"
OTHER_LABEL = "Other, specify"
TERM_LABEL = AdverseEvent._meta.get_field("term").verbose_name
TERM_HELP = (f'Choose the CTCAE v5.0 term; for a term not listed choose "{OTHER_LABEL}" and type '
             "it under Specify as CTCAE v5.0 spells it.")
_CODED_BY_KEY = {" ".join(t.split()).casefold(): t for t in CODED_TERMS}


def coded_term(text: str) -> str | None:
    """The listed term `text` names (case and spacing aside), None when it is not listed."""
    return _CODED_BY_KEY.get(" ".join((text or "").split()).casefold())


class AdverseEventForm(CrfForm):
    term = forms.ChoiceField(
        label=TERM_LABEL, help_text=TERM_HELP,
        choices=[("", "Choose a term"), *((t, t) for t in CODED_TERMS), (OTHER_TERM, OTHER_LABEL)],
        error_messages={
            "required": f'{TERM_LABEL}: required. Choose a term, or "{OTHER_LABEL}" and type it.',
            "invalid_choice": f'{TERM_LABEL}: "%(value)s" is not in the coded list; choose '
                              f'"{OTHER_LABEL}" and type the term under Specify.'})
    term_specify = forms.CharField(
        label="Specify the term", required=False,
        max_length=AdverseEvent._meta.get_field("term").max_length,
        validators=AdverseEvent._meta.get_field("term").validators,
        help_text=f'Required when the CTCAE term is "{OTHER_LABEL}": the term as CTCAE v5.0 '
                  "spells it.")

    class Meta:
        model = AdverseEvent
        # the record's fields (the record page and exports read them); "Specify" is the form's
        fields = ["term", "grade", "onset_date", "resolution_date", "serious",
                  *SERIOUSNESS_CRITERIA, "relatedness", "outcome", "action_taken",
                  "site_aware_at", "sponsor_reported_at", "narrative"]

    field_order = ["term", "term_specify"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.term
        if stored and not self.is_new:
            listed = coded_term(stored)
            self.initial["term"] = listed or OTHER_TERM
            self.initial["term_specify"] = "" if listed else stored

    def _get_validation_exclusions(self):
        # a term refused beside Specify is not also refused (as blank) beside the select
        exclusions = super()._get_validation_exclusions()
        if "term_specify" in self._errors:
            exclusions.add("term")
        return exclusions

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("term")
        specified = (cleaned.get("term_specify") or "").strip()
        if choice == OTHER_TERM and "term_specify" in self.errors:
            del cleaned["term"]  # refused beside Specify (hidden characters, length)
        elif choice == OTHER_TERM:
            if not specified:
                self.add_error("term_specify", f'Specify the term: required when the {TERM_LABEL} '
                                               f'is "{OTHER_LABEL}".')
                del cleaned["term"]
            else:
                cleaned["term"] = coded_term(specified) or specified
        elif choice and specified:
            self.add_error("term_specify", f'Specify the term: only with "{OTHER_LABEL}"; '
                                           f'{choice} was chosen. Empty this box, or choose '
                                           f'"{OTHER_LABEL}".')
        return cleaned


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


class InfectionDetailsForm(CrfForm):
    parent_field = "adverse_event"

    class Meta:
        model = InfectionDetails
        fields = ["pathogen_type", "organism", "site"]


class IecHsDetailsForm(CrfForm):
    parent_field = "adverse_event"

    class Meta:
        model = IecHsDetails
        fields = ["onset_date", "ferritin_peak_ng_ml", *IecHsDetails.CRITERIA, "astct_grade"]


class SecondaryMalignancyForm(CrfForm):
    class Meta:
        model = SecondaryMalignancy
        fields = ["diagnosis_date", "malignancy_type", "sample_sent", "sample_sent_date",
                  "transgene_result"]


class RclTestForm(CrfForm):
    class Meta:
        model = RclTest
        fields = ["timepoint", "sample_date", "result"]


class DltSignatureForm(SignatureForm):
    """An investigator's signed DLT decision: the meaning is shown, the credentials re-entered."""

    decision = forms.ChoiceField(label="Decision", choices=DltDecision.choices,
                                 widget=forms.RadioSelect)
    rationale = required_text_field("Rationale", widget=forms.Textarea(attrs={"rows": 3}))


class DltRevokeForm(SignatureForm):
    reason = required_text_field("Why revoke this signed decision",
                                 widget=forms.Textarea(attrs={"rows": 2}))


class ConcomitantMedicationForm(CrfForm):
    class Meta:
        model = ConcomitantMedication
        fields = ["drug", "drug_specify", "dose", "dose_unit", "route", "start_date", "stop_date",
                  "ongoing", "indication", "treated_event"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered: the patient's own current adverse events (another patient's: EC-CM-03).
        patient = getattr(self.instance, "patient", None)
        events = AdverseEvent.objects.filter(patient=patient) if patient else \
            AdverseEvent.objects.none()
        field = self.fields["treated_event"]
        field.queryset = events.order_by("onset_date", "pk")
        field.label_from_instance = lambda ae: f"{ae.term} (grade {ae.grade}, {ae.onset_date})"
