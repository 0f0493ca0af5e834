"""Edit checks of the adverse-event form. Declared once here (`core.edit_checks`); listed in
docs/edit-checks.md."""

from core.edit_checks import HARD, SOFT, EditCheck, declare
from dosing.edit_checks import first_infusion_date
from patients.edit_checks import before_consent
from safety.models import AdverseEvent, Relatedness


def _before_consent(event, records):
    message = before_consent(event.onset_date, records.patient, "the onset")
    if message:
        message += "; an event that began before consent is medical history unless it worsened"
    return message


def _definite_before_infusion(event, records):
    if event.relatedness != Relatedness.DEFINITE or event.onset_date is None:
        return None
    day0 = first_infusion_date(records)
    if day0 is None or event.onset_date >= day0:
        return None
    return (f"an event that began on {event.onset_date}, before the first infusion on {day0}, "
            "cannot be definitely related to RD13-02")


BEFORE_CONSENT = EditCheck("EC-AE-01", SOFT, "onset_date", "Adverse event before consent",
                           _before_consent)
DEFINITE_BEFORE_INFUSION = EditCheck(
    "EC-AE-02", HARD, "relatedness", "Definitely related event before the infusion",
    _definite_before_infusion)


def declare_checks():
    declare(AdverseEvent, BEFORE_CONSENT, DEFINITE_BEFORE_INFUSION)
