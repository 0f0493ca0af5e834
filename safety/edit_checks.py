"""Edit checks of the adverse-event, concomitant-medication, secondary-malignancy, RCL-test and
long-term follow-up forms. Declared once here (`core.edit_checks`); listed in
docs/edit-checks.md."""

from datetime import timedelta

from core.edit_checks import HARD, SOFT, EditCheck, declare
from dosing.edit_checks import first_infusion_date, outside_window
from patients.edit_checks import before_consent
from patients.models import LtfuVisit
from patients.schedule import LTFU_VISITS, RCL_TESTS, study_day
from safety.models import (
    SERIOUSNESS_CRITERIA,
    AdverseEvent,
    ConcomitantMedication,
    RclTest,
    Relatedness,
    SecondaryMalignancy,
)

_RCL_WINDOWS = {w.key: w for w in RCL_TESTS}
_LTFU_WINDOWS = {w.key: w for w in LTFU_VISITS}


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


def _seriousness_criteria(event, records):
    ticked = [name for name in SERIOUSNESS_CRITERIA if getattr(event, name)]
    if event.serious and not ticked:
        return ("a serious adverse event needs at least one seriousness criterion: tick results "
                "in death, life-threatening, hospitalisation, disability or incapacity, "
                "congenital anomaly, or other medically important event")
    if not event.serious and ticked:
        labels = ", ".join(AdverseEvent._meta.get_field(name).verbose_name for name in ticked)
        return (f"seriousness criteria are ticked ({labels}) on an event not marked serious: "
                "tick serious (SAE), or untick the criteria")
    return None


def _t_cell_not_tested(malignancy, records):
    if malignancy.malignancy_type != SecondaryMalignancy.Type.T_CELL or malignancy.sample_sent:
        return None
    return ("a T-cell malignancy after CAR-T cell therapy with no sample sent for CAR-transgene "
            "testing: the FDA's 2024 class warning asks that it be tested (confirm with the "
            "reason it was not, e.g. no tissue left)")


def _rcl_outside_window(test, records):
    window = _RCL_WINDOWS.get(test.timepoint)
    if window is None:
        return None
    message = outside_window(window, test.sample_date, records,
                             f"the {test.timepoint} RCL test, sampled")
    return message and f"{message}: a testing-window deviation"


def _ltfu_before_window(visit, records):
    """A yearly follow-up form dated before its window opens: the year has not come (late is
    allowed, the schedule shows it; early is a contact for another year, or a typing error)."""
    window = _LTFU_WINDOWS.get(visit.visit)
    day0 = first_infusion_date(records)
    if window is None or visit.contact_date is None or day0 is None:
        return None
    day = study_day(day0, visit.contact_date)
    if day >= window.low_day:
        return None
    opens = day0 + timedelta(days=window.low_day)
    return (f"the {visit.visit} contact on {visit.contact_date} is day {day} after the first "
            f"infusion ({day0}); the {visit.visit} window opens on day {window.low_day} "
            f"({opens}): a long-term follow-up form is entered once its window has opened")


BEFORE_CONSENT = EditCheck("EC-AE-01", SOFT, "onset_date", "Adverse event before consent",
                           _before_consent)
DEFINITE_BEFORE_INFUSION = EditCheck(
    "EC-AE-02", HARD, "relatedness", "Definitely related event before the infusion",
    _definite_before_infusion)

SERIOUSNESS = EditCheck("EC-AE-03", HARD, "serious", "Seriousness without its criteria",
                        _seriousness_criteria)


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
T_CELL_NOT_TESTED = EditCheck(
    "EC-SM-01", SOFT, "sample_sent", "T-cell malignancy not tested for the CAR transgene",
    _t_cell_not_tested)
RCL_OUTSIDE_WINDOW = EditCheck("EC-RCL-01", SOFT, "sample_date", "RCL test outside its window",
                               _rcl_outside_window)
LTFU_BEFORE_WINDOW = EditCheck("EC-LTFU-01", HARD, "contact_date",
                               "Long-term follow-up before its window opens", _ltfu_before_window)


def declare_checks():
    declare(AdverseEvent, BEFORE_CONSENT, DEFINITE_BEFORE_INFUSION, SERIOUSNESS)
    declare(ConcomitantMedication, STOP_BEFORE_START, NEGATIVE_DOSE, OTHER_PATIENTS_EVENT)
    declare(SecondaryMalignancy, T_CELL_NOT_TESTED)
    declare(RclTest, RCL_OUTSIDE_WINDOW)
    declare(LtfuVisit, LTFU_BEFORE_WINDOW)
