"""Edit checks of the response assessment form. Declared once here (`core.edit_checks`); listed
in docs/edit-checks.md."""

from core.edit_checks import SOFT, EditCheck, declare
from dosing.edit_checks import outside_window
from efficacy.models import ResponseAssessment, Visit
from patients.edit_checks import before_consent
from patients.schedule import RESPONSE_VISITS

_WINDOWS = {w.key: w for w in RESPONSE_VISITS}


def _screening_before_consent(assessment, records):
    if assessment.visit != Visit.SCREENING:
        return None
    return before_consent(assessment.date, records.patient, "the screening assessment")


def _outside_window(assessment, records):
    window = _WINDOWS.get(assessment.visit)
    message = window and outside_window(window, assessment.date, records, assessment.visit)
    return message and f"{message}: a visit-window deviation"


SCREENING_BEFORE_CONSENT = EditCheck(
    "EC-RESP-01", SOFT, "date", "Screening assessment before consent", _screening_before_consent)
OUTSIDE_WINDOW = EditCheck(
    "EC-RESP-02", SOFT, "date", "Response assessment outside its visit window", _outside_window)


def declare_checks():
    declare(ResponseAssessment, SCREENING_BEFORE_CONSENT, OUTSIDE_WINDOW)
