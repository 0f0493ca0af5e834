"""The casebook bundle (docs/spec/contract.md §3, `format: "edc-casebook"`, `version: 1`) mapped
onto models.

One table says, for each part of a bundle, which model holds it and which bundle key is which
model field. The import's type and vocabulary checks, its required keys and the export's output
are all read from it and from the model fields themselves, so the bundle cannot drift from the
CRFs: a field's choices are its vocabulary, its null/default decide whether a key is required.
"""

from dataclasses import dataclass, field

from django.db import models

from core.models import Study
from dosing.models import Donor, DoseLevel, Infusion, Lymphodepletion, ProductLot
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from labs.models import LabResult
from monitoring.models import ProtocolDeviation
from patients.models import (
    EXTRAMEDULLARY_SITES,
    VITAL_VALUES,
    BridgingTherapy,
    DiseaseAtScreening,
    EligibilityAssessment,
    FollowUpContact,
    LtfuVisit,
    MedicalHistory,
    Patient,
    PriorTherapy,
    VitalSigns,
)
from pk.models import PkSample
from safety.models import (
    SERIOUSNESS_CRITERIA,
    AdverseEvent,
    ConcomitantMedication,
    CrsDetails,
    DltAdjudication,
    GvhdDetails,
    IcansDetails,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)

FORMAT = "edc-casebook"
VERSION = 1


@dataclass(frozen=True)
class Part:
    """A bundle object stored as one model row: `keys` maps bundle key → model field name."""

    model: type[models.Model]
    keys: dict[str, str]
    # Keys that must be present and non-null even where the model field allows null.
    required: frozenset[str] = field(default_factory=frozenset)

    def model_field(self, key: str) -> models.Field:
        return self.model._meta.get_field(self.keys[key])

    def is_required(self, key: str) -> bool:
        if key in self.required:
            return True
        f = self.model_field(key)
        return not (f.null or f.blank or f.has_default())


def _same(*names: str) -> dict[str, str]:
    return {n: n for n in names}


STUDY = Part(Study, _same(
    "protocol_id", "escalation_design", "target_dlt_rate", "dlt_window_days", "title",
    "subject_id_pattern",
    "sae_report_hours", "dlt_rule_d1_grade5", "dlt_rule_d2_crs", "dlt_rule_d3_icans",
    "dlt_rule_d4_non_haematological", "dlt_rule_d5_cytopenia", "dlt_rule_d6_gvhd",
    "crs_grade3_max_hours", "icans_grade3_max_hours", "non_haematological_max_days",
    "infusion_reaction_max_hours", "cytopenia_recovery_day", "gvhd_min_grade"),
    required=frozenset({"protocol_id", "escalation_design", "target_dlt_rate",
                        "dlt_window_days"}))
DOSE_LEVEL = Part(DoseLevel, _same("code", "cells_per_kg", "total_cells"))
# The product's master data (optional study keys `donors` and `product_lots`): a lot names its
# donor by code and the patient it is released for by subject ID (`LOT_LINKS`).
DONOR = Part(Donor, _same("donor_code", "hla_typing", "hla_match", "eligibility_date"))
PRODUCT_LOT = Part(ProductLot, _same(
    "lot_number", "manufacture_date", "car_positive_pct", "viability_pct",
    "total_nucleated_cells", "viable_cells", "car_positive_viable_cells", "sterility",
    "endotoxin_eu_per_ml", "mycoplasma", "vector_copies_per_cell", "release_status",
    "release_date"))
LOT_LINKS = ("donor", "released_for")
STUDY_LISTS = ("dose_levels", "donors", "product_lots")
PATIENT = Part(Patient, _same(
    "subject_id", "sex", "age_at_consent", "diagnosis", "cd7_positive_blasts_pct",
    "screening_marrow_blasts_pct", "consent_date", "consent_version", "guardian_consent",
    "enrollment_date"))
OFF_STUDY = Part(Patient, {"date": "off_study_date", "reason": "off_study_reason"},
                 required=frozenset({"date", "reason"}))
ELIGIBILITY = Part(EligibilityAssessment, _same("assessed_on", *EligibilityAssessment.CRITERIA))
LYMPHODEPLETION = Part(Lymphodepletion, _same(
    "start_date", "fludarabine_mg_m2_per_day", "cyclophosphamide_mg_m2_per_day", "days"))
INFUSION = Part(Infusion, _same(
    "number", "date", "time", "dose_level", "cells_per_kg", "total_cells", "weight_kg",
    "viability_pct", "product_lot", "received_at", "thawed_at"))
ADVERSE_EVENT = Part(AdverseEvent, _same(
    "term", "grade", "onset_date", "resolution_date", "serious", *SERIOUSNESS_CRITERIA,
    "relatedness", "outcome", "action_taken", "site_aware_at", "sponsor_reported_at",
    "narrative"),
    required=frozenset({"serious"}))
CRS = Part(CrsDetails, _same("max_temp_c", "hypotension", "oxygen", "died_of_crs", "fever_masked"))
ICANS = Part(IcansDetails, _same(
    "instrument", "ice_score", "capd_score", "unable_to_assess", "consciousness", "seizure",
    "motor_weakness", "cerebral_edema", "died_of_icans"))
GVHD = Part(GvhdDetails, _same("skin_stage", "liver_stage", "upper_gi_stage", "lower_gi_stage",
                               "magic_grade"))
INFECTION = Part(InfectionDetails, _same("pathogen_type", "organism", "site"))
IEC_HS = Part(IecHsDetails, _same("onset_date", "ferritin_peak_ng_ml", *IecHsDetails.CRITERIA,
                                  "astct_grade"))
RESPONSE = Part(ResponseAssessment, _same(
    "visit", "date", "marrow_blasts_pct", "mrd_pct", "mrd_below_detection", "peripheral_blasts",
    "extramedullary",
    "anc_per_uL", "platelets_per_uL", "response"))
DISEASE_EVENT = Part(DiseaseEvent, _same("date", "type", "site"))
HSCT = Part(Hsct, _same("date", "donor_type"))
DEATH = Part(Death, _same("date", "cause"))
CONTACT = Part(FollowUpContact, {"date": "contact_date", "method": "method"})
PK_SAMPLE = Part(PkSample, _same(
    "nominal_day", "collected_at", "matrix", "car_copies_per_ug_gdna", "below_lloq",
    "car_t_cells_per_uL"))
LAB_RESULT = Part(LabResult, _same(
    "collected_at", "test", "value", "unit", "below_detection", "ref_low", "ref_high"))
# A medication names the adverse event it treated by the event's index in the patient's own
# `adverse_events` list (0 for the first), under this key; null or absent when it is not linked.
CONMED = Part(ConcomitantMedication, _same(
    "drug", "drug_specify", "dose", "dose_unit", "route", "start_date", "stop_date", "ongoing",
    "indication"))
TREATED_EVENT_KEY = "treated_adverse_event"
SECONDARY_MALIGNANCY = Part(SecondaryMalignancy, _same(
    "diagnosis_date", "malignancy_type", "sample_sent", "sample_sent_date", "transgene_result"))
RCL_TEST = Part(RclTest, _same("timepoint", "sample_date", "result"))

MEDICAL_HISTORY = Part(MedicalHistory, _same("condition", "start", "ongoing"))
PRIOR_THERAPY = Part(PriorTherapy, _same(
    "line_number", "therapy_type", "regimen", "start", "end", "best_response", "hsct_donor_type",
    "car_t_target"))
DISEASE_AT_SCREENING = Part(DiseaseAtScreening, _same(
    "assessed_on", "cns_status", *(name for name, _label in EXTRAMEDULLARY_SITES), "em_other"))
BRIDGING_THERAPY = Part(BridgingTherapy, _same("regimen", "start_date", "end_date"))
VITAL_SIGNS = Part(VitalSigns, _same("measured_at", "timepoint", *VITAL_VALUES,
                                     "oxygen_support"))

LTFU_VISIT = Part(LtfuVisit, _same("visit", "contact_date", "vital_status", *LtfuVisit.FINDINGS,
                                   "subsequent_therapy"))
# Besides these keys, a deviation an edit check raised names its record by its JSON path within
# the patient object ("record": "response_assessments[1]", "eligibility"); null when by hand.
DEVIATION = Part(ProtocolDeviation, _same(
    "category", "description", "deviation_date", "identified_on", "source", "edit_check",
    "withdrawn_at", "withdrawn_reason", "important", "impact_on_safety", "impact_on_data",
    "corrective_action", "assessed_at"))
DEVIATION_RECORD_KEY = "record"

# The AE sub-objects and the patient's one-of and many-of parts, in the order they are written.
# Keys added after version 1 was first written are optional: a bundle without them reads as
# before, one with them round-trips (the AE's infection and iec_hs; the patient's baseline,
# disease_at_screening and its lists, lab_results, concomitant_medications,
# secondary_malignancies, rcl_tests).
AE_DETAILS = {"crs": CRS, "icans": ICANS, "gvhd": GVHD, "infection": INFECTION, "iec_hs": IEC_HS}
PATIENT_SINGLES = {"eligibility": ELIGIBILITY, "disease_at_screening": DISEASE_AT_SCREENING,
                   "lymphodepletion": LYMPHODEPLETION, "hsct": HSCT, "death": DEATH}
PATIENT_LISTS = {"medical_history": MEDICAL_HISTORY, "prior_therapies": PRIOR_THERAPY,
                 "bridging_therapies": BRIDGING_THERAPY, "infusions": INFUSION,
                 "adverse_events": ADVERSE_EVENT, "response_assessments": RESPONSE,
                 "disease_events": DISEASE_EVENT, "pk_samples": PK_SAMPLE,
                 "vital_signs": VITAL_SIGNS, "follow_up_contacts": CONTACT,
                 "lab_results": LAB_RESULT, "concomitant_medications": CONMED,
                 "secondary_malignancies": SECONDARY_MALIGNANCY, "rcl_tests": RCL_TEST,
                 "ltfu_visits": LTFU_VISIT, "protocol_deviations": DEVIATION}

# Every list may be left out of a bundle (absent means none): so a bundle written before
# "ltfu_visits" and "protocol_deviations" were added still imports.
# Lists outside the date-order rules: a deviation may predate consent (that is the deviation).
UNTIMED_LISTS = ("infusions", "protocol_deviations")
DLT_ADJUDICATION_VALUES = (None, "confirmed", "rejected")
PATIENT_EXTRA_KEYS = ("off_study", "last_known_alive_date")
TOP_KEYS = ("format", "version", "study", "patients")
DLT_ADJUDICATION_MODEL = DltAdjudication
