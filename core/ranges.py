"""Allowed ranges of clinical values, stated once and enforced twice.

A `Range` gives a field its validator (the message a coordinator, an API client or an import
report reads, naming the rule) and gives the table its CHECK constraint (so no code path, not
even a raw UPDATE, stores a grade of 7). Both come from the same object, so they cannot drift.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible


@dataclass(frozen=True)
class Range:
    low: float | None
    high: float | None
    meaning: str
    low_exclusive: bool = False

    def contains(self, value) -> bool:
        if self.low is not None and (value <= self.low if self.low_exclusive else value < self.low):
            return False
        return self.high is None or value <= self.high

    def message(self, value) -> str:
        return f"{value} is not {self.meaning}"

    def validator(self) -> "RangeValidator":
        return RangeValidator(self.low, self.high, self.meaning, self.low_exclusive)

    def constraint(self, field: str, table: str) -> models.CheckConstraint:
        condition = models.Q()
        if self.low is not None:
            lookup = "gt" if self.low_exclusive else "gte"
            condition &= models.Q(**{f"{field}__{lookup}": self.low})
        if self.high is not None:
            condition &= models.Q(**{f"{field}__lte": self.high})
        return models.CheckConstraint(
            condition=condition | models.Q(**{f"{field}__isnull": True}),
            name=f"{table}_{field}_range",
            violation_error_message=f"{field}: must be {self.meaning}",
        )


@deconstructible
class RangeValidator:
    def __init__(self, low, high, meaning, low_exclusive=False):
        self.range = Range(low, high, meaning, low_exclusive)

    def __call__(self, value):
        if value is not None and not self.range.contains(value):
            raise ValidationError(self.range.message(value), code="out_of_range",
                                  params={"value": value})

    def __eq__(self, other):
        return isinstance(other, RangeValidator) and self.range == other.range


def range_checks(table: str, **ranges: Range) -> list[models.CheckConstraint]:
    """CHECK constraints for `field=Range` pairs of one table."""
    return [r.constraint(field, table) for field, r in ranges.items()]


PERCENT = Range(0, 100, "a percentage (0–100)")
CTCAE_GRADE = Range(1, 5, "a CTCAE grade (1–5)")
AGE_YEARS = Range(0, 120, "an age in years (0–120)")
POSITIVE = Range(0, None, "a positive number", low_exclusive=True)
NON_NEGATIVE = Range(0, None, "zero or a positive number")
BODY_TEMPERATURE_C = Range(30, 45, "a body temperature in °C (30–45)")
ICE_SCORE = Range(0, 10, "an ICE score (0–10)")
CAPD_SCORE = Range(0, 32, "a CAPD score (0–32)")
WEIGHT_KG = Range(1, 300, "a body weight in kg (1–300)")
STUDY_DAY = Range(0, 3650, "a study day (0–3650)")
# Vital signs: wide enough for a neonate's and a septic adult's values, narrow enough to refuse a
# slip of the keyboard (a heart rate of 720, a temperature in °F).
HEART_RATE = Range(20, 250, "a heart rate in beats/min (20–250)")
SYSTOLIC_BP = Range(40, 260, "a systolic blood pressure in mmHg (40–260)")
DIASTOLIC_BP = Range(20, 160, "a diastolic blood pressure in mmHg (20–160)")
RESPIRATORY_RATE = Range(4, 80, "a respiratory rate in breaths/min (4–80)")
SPO2_PERCENT = Range(50, 100, "an oxygen saturation in percent (50–100)")
THERAPY_LINE = Range(1, 20, "a line of therapy (1–20)")

# No clinical date (nor a report's cutoff) comes before this: a year such as 0024 is a typing
# slip for 2024, and dates before it are of no patient of this trial.
EARLIEST_CLINICAL_DATE = date(1900, 1, 1)


def too_early_message(value: date | datetime) -> str | None:
    """Why a clinical date, or date and time, is refused as too early; None when it is not.
    A date and time is compared as it stands (no conversion, which overflows for year 1)."""
    earliest = EARLIEST_CLINICAL_DATE
    if isinstance(value, datetime) and value.tzinfo is not None:
        earliest = datetime.combine(EARLIEST_CLINICAL_DATE, time.min,
                                    tzinfo=timezone.get_current_timezone())
    elif isinstance(value, datetime):
        value = value.date()
    if value < earliest:
        return f"{value.isoformat()} is before {EARLIEST_CLINICAL_DATE}, the earliest clinical date"
    return None


def too_early_dates(record: models.Model, exclude=()) -> dict[str, str]:
    """The editable date and date-time fields of `record` (those not in `exclude`) that hold a
    date before EARLIEST_CLINICAL_DATE, with the message for each."""
    problems = {}
    for field in record._meta.concrete_fields:
        if not (isinstance(field, models.DateField) and field.editable) or field.name in exclude:
            continue
        value = getattr(record, field.attname)
        if isinstance(value, date) and (message := too_early_message(value)):
            problems[field.name] = message
    return problems
