"""Edit checks of the dosing forms: an infusion against lymphodepletion and its dose level.

Declared once here (`core.edit_checks`); listed in docs/edit-checks.md.
"""

from datetime import date, timedelta

from core.edit_checks import HARD, SOFT, EditCheck, declare
from dosing.models import Infusion, Lymphodepletion
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


def _not_the_level_dose(infusion, records):
    level = _level_of(infusion, records)
    if level is None:
        return None
    if level.cells_per_kg is not None:
        given = infusion.effective_cells_per_kg
        if given is not None and _off(given, level.cells_per_kg):
            return (f"{given:.3g} CAR-T cells/kg is not the dose of {level.code} "
                    f"({level.cells_per_kg:.3g} cells/kg ± {DOSE_TOLERANCE:.0%}): a dosing "
                    "deviation")
    elif level.total_cells is not None and infusion.total_cells is not None:
        if _off(infusion.total_cells, level.total_cells):
            return (f"{infusion.total_cells:.3g} CAR-T cells is not the flat dose of "
                    f"{level.code} ({level.total_cells:.3g} cells ± {DOSE_TOLERANCE:.0%}): a "
                    "dosing deviation")
    return None


DURING_LYMPHODEPLETION = EditCheck(
    "EC-INF-01", HARD, "date", "Infusion during lymphodepletion", _during_lymphodepletion)
NOT_THE_LEVEL_DOSE = EditCheck(
    "EC-INF-02", SOFT, "cells_per_kg", "Infused dose not the dose of its dose level",
    _not_the_level_dose)


def declare_checks():
    declare(Infusion, DURING_LYMPHODEPLETION, NOT_THE_LEVEL_DOSE)
