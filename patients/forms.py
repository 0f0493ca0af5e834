"""Browser forms for enrolment, eligibility and follow-up contacts."""

from core.forms import CrfForm
from patients.models import EligibilityAssessment, FollowUpContact, Patient


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
