"""Edit checks of the adverse-event form. Declared once here (`core.edit_checks`); listed in
docs/edit-checks.md."""

from core.edit_checks import HARD, SOFT, EditCheck, declare
from dosing.edit_checks import first_infusion_date
from patients.edit_checks import before_consent
from safety.models import AdverseEvent, ConcomitantMedication, Relatedness


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


def _stop_before_start(medication, records):
    start, stop = medication.start_date, medication.stop_date
    if start is None or stop is None or stop >= start:
        return None
    return f"the stop date {stop} is before the start date {start}"


def _negative_dose(medication, records):
    if medication.dose is None or medication.dose >= 0:
        return None
    return f"a dose of {medication.dose:g} is negative: a dose is zero or more"


def _other_patients_event(medication, records):
    event, patient = medication.treated_event, records.patient
    if event is None or patient is None:
        return None
    if event.patient_id is None or patient.pk is None:  # in memory: a bundle's own records
        own = event.patient is patient
    else:
        own = event.patient_id == patient.pk
    if own:
        return None
    return (f"the adverse event {event.term} ({event.onset_date}) is "
            f"{event.patient.subject_id}'s, not {patient.subject_id}'s: a medication "
            "treats an event of its own patient")


STOP_BEFORE_START = EditCheck("EC-CM-01", HARD, "stop_date",
                              "Medication stopped before it started", _stop_before_start)
NEGATIVE_DOSE = EditCheck("EC-CM-02", HARD, "dose", "Negative dose", _negative_dose)
OTHER_PATIENTS_EVENT = EditCheck("EC-CM-03", HARD, "treated_event",
                                 "Medication linked to another patient's adverse event",
                                 _other_patients_event)


def declare_checks():
    declare(AdverseEvent, BEFORE_CONSENT, DEFINITE_BEFORE_INFUSION)
    declare(ConcomitantMedication, STOP_BEFORE_START, NEGATIVE_DOSE, OTHER_PATIENTS_EVENT)
