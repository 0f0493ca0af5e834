"""Browser forms for enrolment, eligibility, follow-up contacts, long-term follow-up and the
baseline (medical history, prior therapy, disease at screening, bridging therapy, vital
signs)."""

from core.forms import CrfForm
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


class PatientForm(CrfForm):
    parent_field = None  # a patient is the top of its casebook

    class Meta:
        model = Patient
        fields = ["subject_id", "sex", "age_at_consent", "diagnosis", "cd7_positive_blasts_pct",
                  "screening_marrow_blasts_pct", "consent_date", "consent_version",
                  "guardian_consent", "enrollment_date", "off_study_date", "off_study_reason"]


class EligibilityForm(CrfForm):
    class Meta:
        model = EligibilityAssessment
        fields = ["assessed_on", *EligibilityAssessment.CRITERIA]


class FollowUpContactForm(CrfForm):
    class Meta:
        model = FollowUpContact
        fields = ["contact_date", "method"]


class MedicalHistoryForm(CrfForm):
    class Meta:
        model = MedicalHistory
        fields = ["condition", "start", "ongoing"]


class PriorTherapyForm(CrfForm):
    class Meta:
        model = PriorTherapy
        fields = ["line_number", "therapy_type", "regimen", "start", "end", "best_response",
                  "hsct_donor_type", "car_t_target"]


class DiseaseAtScreeningForm(CrfForm):
    class Meta:
        model = DiseaseAtScreening
        fields = ["assessed_on", "cns_status", *(name for name, _label in EXTRAMEDULLARY_SITES),
                  "em_other"]


class BridgingTherapyForm(CrfForm):
    class Meta:
        model = BridgingTherapy
        fields = ["regimen", "start_date", "end_date"]


class VitalSignsForm(CrfForm):
    class Meta:
        model = VitalSigns
        fields = ["measured_at", "timepoint", *VITAL_VALUES, "oxygen_support"]


class LtfuVisitForm(CrfForm):
    class Meta:
        model = LtfuVisit
        fields = ["visit", "contact_date", "vital_status", *LtfuVisit.FINDINGS,
                  "subsequent_therapy"]
