"""Edit checks of the dosing forms: an infusion against lymphodepletion and its dose level;
bridging therapy (a patients form) against lymphodepletion, here because it reads the
conditioning, which lives on this floor.

Declared once here (`core.edit_checks`); listed in docs/edit-checks.md.
"""

from datetime import date, timedelta

from django.utils.timezone import localdate

from core.edit_checks import HARD, SOFT, EditCheck, declare
from dosing.models import RELEASED, Infusion, Lymphodepletion
from patients.models import BridgingTherapy
from patients.schedule import Window, study_day

# How far an infused dose may lie from its level's dose and still be "the dose of the level":
# the spec is silent; ±10% is this project's choice (docs/edit-checks.md).
DOSE_TOLERANCE = 0.10


def first_infusion_date(records):
    """Day 0: the date of infusion number 1 (else the earliest infusion), or None."""
    infusions = records.of(Infusion)
    if not infusions:
        return None
    first = [i.date for i in infusions if i.number == 1]
    return min(first or [i.date for i in infusions])


def outside_window(window: Window, on: date | None, records, what: str) -> str | None:
    """The message for `what`, done on `on`, outside its visit `window` (counted from day 0,
    the first infusion), or None; None too before any infusion is recorded."""
    day0 = first_infusion_date(records)
    if on is None or day0 is None:
        return None
    day = study_day(day0, on)
    if window.contains(day):
        return None
    return (f"{what} on {on} is day {day} after the first infusion ({day0}); its window is "
            f"days {window.low_day}–{window.high_day} (day {window.target_day} ± "
            f"{window.minus_days})")


def _during_lymphodepletion(infusion, records):
    if infusion.date is None:
        return None
    for course in records.of(Lymphodepletion):
        if course.start_date is None or not course.days:
            continue
        last = course.start_date + timedelta(days=course.days - 1)
        if course.start_date <= infusion.date <= last:
            return (f"{infusion.date} is during lymphodepletion ({course.start_date} to {last}, "
                    f"{course.days} days): RD13-02 is infused after the conditioning ends")
    return None


def _level_of(infusion, records):
    if infusion.dose_level_id is not None:
        return infusion.dose_level
    return records.dose_levels.get(getattr(infusion, "dose_level_code", None))


def _off(given: float, planned: float) -> bool:
    return abs(given - planned) > DOSE_TOLERANCE * planned


def _computed_from(infusion) -> str:
    """How the compared dose was found: from the linked lot's count, or as recorded."""
    lot = infusion.lot
    if lot is not None and lot.car_positive_viable_cells is not None:
        return f" (computed from lot {lot.lot_number}'s CAR+ viable cells)"
    return ""


def _not_the_level_dose(infusion, records):
    level = _level_of(infusion, records)
    if level is None:
        return None
    basis = _computed_from(infusion)
    if level.cells_per_kg is not None:
        given = infusion.received_cells_per_kg
        if given is not None and _off(given, level.cells_per_kg):
            return (f"{given:.3g} CAR-T cells/kg{basis} is not the dose of {level.code} "
                    f"({level.cells_per_kg:.3g} cells/kg ± {DOSE_TOLERANCE:.0%}): a dosing "
                    "deviation")
    elif level.total_cells is not None and infusion.received_cells is not None:
        given = infusion.received_cells
        if _off(given, level.total_cells):
            return (f"{given:.3g} CAR-T cells{basis} is not the flat dose of "
                    f"{level.code} ({level.total_cells:.3g} cells ± {DOSE_TOLERANCE:.0%}): a "
                    "dosing deviation")
    return None


def _lot_not_released(infusion, records):
    lot = infusion.lot
    if lot is None:
        return None
    if lot.release_status != RELEASED:
        return (f"Product lot: lot {lot.lot_number} is {lot.release_status}, not released: "
                "RD13-02 is infused only from a released lot")
    if lot.release_date and infusion.date and lot.release_date > infusion.date:
        return (f"Product lot: lot {lot.lot_number} was released on {lot.release_date}, after "
                f"the infusion on {infusion.date}: RD13-02 is infused only from a released lot")
    return None


def _released_for_subject(lot) -> str | None:
    patient = lot.released_for  # in an import, the bundle's patient (not yet saved)
    return patient.subject_id if patient is not None else None


def _lot_for_another_patient(infusion, records):
    lot, patient = infusion.lot, records.patient
    if lot is None or lot.release_status != RELEASED or patient is None:
        return None
    subject = _released_for_subject(lot)
    if subject is not None and subject.upper() != patient.subject_id.upper():
        return (f"Product lot: lot {lot.lot_number} is released for {subject}, not for "
                f"{patient.subject_id}: a lot is infused only to the patient it is "
                "released for")
    return None


def _thawed_after_start(infusion, records):
    thawed = infusion.thawed_at
    if thawed is None:
        return None
    if infusion.received_at is not None and thawed < infusion.received_at:
        return (f"Thaw started at: {thawed:%Y-%m-%d %H:%M} is before the product was received "
                f"({infusion.received_at:%Y-%m-%d %H:%M}): a product is thawed after receipt")
    start = infusion.started_at
    if start is not None and thawed > start:
        return (f"Thaw started at: {thawed:%Y-%m-%d %H:%M} is after the infusion start "
                f"({start:%Y-%m-%d %H:%M}): a product is thawed before it is infused")
    if start is None and infusion.date and localdate(thawed) > infusion.date:
        return (f"Thaw started at: {thawed:%Y-%m-%d %H:%M} is after the infusion date "
                f"{infusion.date}: a product is thawed before it is infused")
def _last_day(bridging) -> date | None:
    """The last day a bridging therapy is known to have been given: its end, else its start."""
    return bridging.end_date or bridging.start_date


def _lymphodepletion_start(records) -> date | None:
    starts = [c.start_date for c in records.of(Lymphodepletion) if c.start_date]
    return min(starts, default=None)


def _bridging_after_lymphodepletion(bridging, records):
    start, last = _lymphodepletion_start(records), _last_day(bridging)
    if start is None or last is None or last <= start:
        return None
    return (f"bridging therapy given until {last} is after the lymphodepletion start {start}: "
            "bridging ends before the conditioning begins (a therapy given during or after "
            "lymphodepletion is a concomitant medication)")


def _bridging_not_ended(bridging, records):
    start = _lymphodepletion_start(records)
    if start is None or bridging.end_date is not None or bridging.start_date is None or \
            bridging.start_date > start:
        return None
    return (f"bridging therapy has no end date although lymphodepletion started on {start}: "
            "give the day it ended")


def _lymphodepletion_before_bridging(course, records):
    if course.start_date is None:
        return None
    for bridging in records.of(BridgingTherapy):
        last = _last_day(bridging)
        if last is not None and last > course.start_date:
            return (f"{course.start_date} is before the end of the bridging therapy "
                    f"{bridging.regimen} (given until {last}): lymphodepletion starts once "
                    "bridging has ended")
    return None


DURING_LYMPHODEPLETION = EditCheck(
    "EC-INF-01", HARD, "date", "Infusion during lymphodepletion", _during_lymphodepletion)
NOT_THE_LEVEL_DOSE = EditCheck(
    "EC-INF-02", SOFT, "cells_per_kg", "Infused dose not the dose of its dose level",
    _not_the_level_dose)
LOT_NOT_RELEASED = EditCheck(
    "EC-INF-03", HARD, "lot", "Infused lot not released", _lot_not_released)
LOT_FOR_ANOTHER_PATIENT = EditCheck(
    "EC-INF-04", HARD, "lot", "Infused lot released for another patient",
    _lot_for_another_patient)
THAWED_AFTER_START = EditCheck(
    "EC-INF-05", HARD, "thawed_at", "Thaw after the infusion start (or before receipt)",
    _thawed_after_start)


BRIDGING_AFTER_LYMPHODEPLETION = EditCheck(
    "EC-BRIDGE-01", HARD, "end_date", "Bridging therapy after the lymphodepletion start",
    _bridging_after_lymphodepletion)
BRIDGING_NOT_ENDED = EditCheck(
    "EC-BRIDGE-02", SOFT, "end_date", "Bridging therapy without an end once lymphodepletion "
    "started", _bridging_not_ended)
LYMPHODEPLETION_BEFORE_BRIDGING_ENDS = EditCheck(
    "EC-LD-01", HARD, "start_date", "Lymphodepletion before bridging therapy ended",
    _lymphodepletion_before_bridging)


def declare_checks():
    declare(Infusion, DURING_LYMPHODEPLETION, NOT_THE_LEVEL_DOSE, LOT_NOT_RELEASED,
            LOT_FOR_ANOTHER_PATIENT, THAWED_AFTER_START)
    declare(BridgingTherapy, BRIDGING_AFTER_LYMPHODEPLETION, BRIDGING_NOT_ENDED)
    declare(Lymphodepletion, LYMPHODEPLETION_BEFORE_BRIDGING_ENDS)
