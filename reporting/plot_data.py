"""What each report plot shows, as plain numbers: built from the endpoint report JSON
(docs/spec/contract.md §4) or from the trial at the cutoff (`TrialData.as_of`), never from the
database.

- Kaplan–Meier (`km_steps`, `numbers_at_risk`): the report's `curve` rows are the product-limit step
  function (docs/spec/endpoints.md, "Kaplan–Meier conventions"): S and its band hold from a row's
  `t` until the next row. A censoring is marked on the curve at its time. The number at risk at day
  d is the number of patients whose follow-up lasts at least d days: the `at_risk` of the first row
  at or after d (rows are every distinct time, events and censorings), 0 beyond the last row.
- Swimmer (`swimmer_rows`): one bar per infused patient from day 0 to the last follow-up — the
  death date, else the last known alive date at the cutoff (END-TIME-03) — coloured by the
  dose level of the first infusion. Markers: the first assessment of each response class reached on
  day 1 or later (CR/CRi, PR), each relapse or progression, the HSCT, the death. Ongoing (an
  arrow): alive and not off study at the cutoff.
- PK (`pk_series`): each infused patient's peripheral-blood samples of one analyte, days since
  the first infusion (`endpoints.report.pk_points`, the clock of the report's PK parameters),
  grouped by the dose level of the first infusion; below-LLOQ samples have no value.

Pure: imports nothing from Django.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from endpoints.efficacy import CR_CRI, RESPONSE_RANK
from endpoints.report import pk_points
from endpoints.trial_data import PatientData, TrialAsOf

RESPONSE_CLASSES = (("CR/CRi", CR_CRI), ("PR", frozenset({"PR"})))


@dataclass(frozen=True, slots=True)
class KmSteps:
    """A Kaplan–Meier curve ready to draw as a post-step function."""

    t: tuple[float, ...]
    s: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    censored_t: tuple[float, ...]  # where a censoring mark goes, and at what height
    censored_s: tuple[float, ...]
    n: int


def km_steps(km: dict) -> KmSteps:
    """The step function of one report KM object (`dor`, `efs`, `os`, …)."""
    curve = km["curve"]
    marks = [(row["t"], row["s"]) for row in curve if row["censored"] > 0]
    return KmSteps(
        t=tuple(row["t"] for row in curve), s=tuple(row["s"] for row in curve),
        ci_low=tuple(row["ci_low"] for row in curve),
        ci_high=tuple(row["ci_high"] for row in curve),
        censored_t=tuple(t for t, _ in marks), censored_s=tuple(s for _, s in marks),
        n=km["n"])


def numbers_at_risk(km: dict, days: list[int]) -> list[int]:
    """Patients still followed (time ≥ d) at each day d of `days`."""
    curve = km["curve"]
    times = [row["t"] for row in curve]
    counts = []
    for day in days:
        row = bisect.bisect_left(times, day)
        counts.append(curve[row]["at_risk"] if row < len(curve) else 0)
    return counts


def at_risk_days(last_day: float) -> list[int]:
    """Tick days for the numbers at risk: every 30 days up to half a year of follow-up, every 90
    up to two years, then every 180."""
    step = 30 if last_day <= 182 else 90 if last_day <= 730 else 180
    return list(range(0, int(last_day) + 1, step)) or [0]


@dataclass(frozen=True, slots=True)
class SwimmerRow:
    subject_id: str
    dose_level: str
    dose_rank: int
    last_day: int  # day of death, else of the last known alive date at the cutoff
    ongoing: bool  # alive and on study at the cutoff
    responses: tuple[tuple[int, str], ...]  # (day, "CR/CRi" | "PR"), first of each class
    disease_events: tuple[tuple[int, str], ...]  # (day, "relapse" | "progression")
    hsct_day: int | None
    death_day: int | None


def swimmer_rows(trial: TrialAsOf) -> list[SwimmerRow]:
    """One row per infused patient, by dose level, then the longest follow-up first."""
    ranks = {level.code: level.rank for level in trial.study.dose_levels}
    rows = [_swimmer_row(patient, trial, ranks) for patient in trial.infused]
    return sorted(rows, key=lambda row: (row.dose_rank, -row.last_day, row.subject_id))


def _swimmer_row(patient: PatientData, trial: TrialAsOf, ranks: dict[str, int]) -> SwimmerRow:
    day = patient.study_day
    level = patient.infusions[0].dose_level_code
    dead = patient.death_date is not None
    last = patient.death_date if dead else patient.last_known_alive_date(trial.cutoff)
    responses = []
    for label, categories in RESPONSE_CLASSES:
        reached = [a for a in patient.assessments
                   if a.response in categories and day(a.date) >= 1]
        if reached:
            first = min(reached, key=lambda a: (a.date, RESPONSE_RANK[a.response]))
            responses.append((day(first.date), label))
    return SwimmerRow(
        subject_id=patient.subject_id, dose_level=level, dose_rank=ranks.get(level, 0),
        last_day=day(last), ongoing=not dead and patient.off_study_date is None,
        responses=tuple(sorted(responses)),
        disease_events=tuple((day(e.date), e.type) for e in patient.disease_events),
        hsct_day=day(patient.hsct_date) if patient.hsct_date else None,
        death_day=day(patient.death_date) if dead else None)


@dataclass(frozen=True, slots=True)
class PkSeries:
    subject_id: str
    dose_level: str
    days: tuple[float, ...]  # since the start of the first infusion
    values: tuple[float | None, ...]  # None: below the limit of quantification


def pk_series(trial: TrialAsOf, analyte: str) -> dict[str, list[PkSeries]]:
    """Each dose level's patient curves of `analyte`, every defined level present, in rank
    order; patients without a sample of the analyte are left out."""
    by_level = {level.code: [] for level in trial.study.dose_levels}
    for patient in trial.infused:
        points = sorted(pk_points(patient, analyte), key=lambda point: point.time_days)
        if not points:
            continue
        level = patient.infusions[0].dose_level_code
        by_level.setdefault(level, []).append(PkSeries(
            subject_id=patient.subject_id, dose_level=level,
            days=tuple(point.time_days for point in points),
            values=tuple(None if point.below_lloq or not point.value else point.value
                         for point in points)))
    return by_level
