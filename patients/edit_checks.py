"""Edit checks of the screening forms: the patient (consent, age, enrolment) and eligibility.

Declared once here (`core.edit_checks`), applied by the form, the API and the import alike; the
list with each check's kind and message is docs/edit-checks.md.
"""

from datetime import date

from core.edit_checks import SOFT, EditCheck, declare
from patients.models import DiseaseAtScreening, EligibilityAssessment, Patient

# The trial enrols from the age of 3 (docs/spec/clinical-rules.md, CLIN-ICANS-09).
MIN_AGE_YEARS = 3


def before_consent(day: date | None, patient, what: str) -> str | None:
    """The message for a record dated before the patient's consent, or None."""
    consent = getattr(patient, "consent_date", None)
    if day is None or consent is None or day >= consent:
        return None
    return (f"{what} {day} is before the consent date {consent}: nothing of the trial may be "
            "done before consent (a protocol deviation)")


def _age_below_minimum(patient, _records):
    age = patient.age_at_consent
    if age is None or age >= MIN_AGE_YEARS:
        return None
    return (f"an age at consent of {age} is below the protocol's minimum of {MIN_AGE_YEARS} "
            "years (an eligibility deviation)")


def _unmet(eligibility) -> str:
    return ", ".join(eligibility.unmet_criteria)


def _enrolled_though_ineligible(patient, records):
    if patient.enrollment_date is None:
        return None
    for eligibility in records.of(EligibilityAssessment):
        if not eligibility.is_eligible:
            return (f"enrolled on {patient.enrollment_date} although the eligibility form has "
                    f"unmet criteria ({_unmet(eligibility)}): an eligibility deviation")
    return None


def _eligibility_before_consent(eligibility, records):
    return before_consent(eligibility.assessed_on, records.patient, "the eligibility assessment")


def _ineligible_yet_enrolled(eligibility, records):
    patient = records.patient
    if eligibility.is_eligible or patient is None or patient.enrollment_date is None:
        return None
    return (f"criteria not met ({_unmet(eligibility)}) but the patient was enrolled on "
            f"{patient.enrollment_date}: an eligibility deviation")


def _screening_before_consent(disease, records):
    return before_consent(disease.assessed_on, records.patient, "the screening assessment")


AGE_BELOW_MINIMUM = EditCheck(
    "EC-PAT-01", SOFT, "age_at_consent", "Age at consent below the protocol's minimum",
    _age_below_minimum)
ENROLLED_THOUGH_INELIGIBLE = EditCheck(
    "EC-PAT-02", SOFT, "enrollment_date", "Enrolment with an unmet eligibility criterion",
    _enrolled_though_ineligible)
ELIGIBILITY_BEFORE_CONSENT = EditCheck(
    "EC-ELIG-01", SOFT, "assessed_on", "Eligibility assessed before consent",
    _eligibility_before_consent)
INELIGIBLE_YET_ENROLLED = EditCheck(
    "EC-ELIG-02", SOFT, "age_in_range", "Unmet eligibility criterion of an enrolled patient",
    _ineligible_yet_enrolled)

SCREENING_BEFORE_CONSENT = EditCheck(
    "EC-SCR-01", SOFT, "assessed_on", "Disease at screening assessed before consent",
    _screening_before_consent)


def declare_checks():
    declare(Patient, AGE_BELOW_MINIMUM, ENROLLED_THOUGH_INELIGIBLE)
    declare(EligibilityAssessment, ELIGIBILITY_BEFORE_CONSENT, INELIGIBLE_YET_ENROLLED)
    declare(DiseaseAtScreening, SCREENING_BEFORE_CONSENT)
