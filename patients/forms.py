"""Browser forms for enrolment, eligibility, follow-up contacts and long-term follow-up."""

from core.forms import CrfForm
from patients.models import EligibilityAssessment, FollowUpContact, LtfuVisit, Patient


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


class LtfuVisitForm(CrfForm):
    class Meta:
        model = LtfuVisit
        fields = ["visit", "contact_date", "vital_status", *LtfuVisit.FINDINGS,
                  "subsequent_therapy"]
