"""Date-order rules of a patient's record (docs/spec/contract.md §3, "dates out of order").

consent ≤ enrollment ≤ lymphodepletion start ≤ every infusion; nothing clinical after death;
off-study not before consent. Pure: the forms (through model `clean()`), the API and the casebook
import all build a `Timeline` and ask this one function, so they enforce the very same rules.
"""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Problem:
    """A broken rule: `path` names the field (a model field or a bundle key), `message` the rule."""

    path: str
    message: str
    other: str | None = None  # the path of the other date the rule compares against


@dataclass(frozen=True)
class Timeline:
    """The dates of one patient's record that the order rules read.

    `infusion_dates` and `clinical_dates` are (path, date) pairs so that a problem points at the
    record that carries the date. `clinical_dates` are the dated records that must not come after
    death (AEs, assessments, disease events, HSCT, PK samples, contacts).
    """

    consent_date: date | None = None
    enrollment_date: date | None = None
    lymphodepletion_start: tuple[str, date] | None = None
    infusion_dates: tuple[tuple[str, date], ...] = ()
    death_date: date | None = None
    clinical_dates: tuple[tuple[str, date], ...] = field(default_factory=tuple)
    off_study_date: tuple[str, date] | None = None
    today: date | None = None  # when given, no date may come after it


def timeline_problems(t: Timeline, *, consent_path="consent_date",
                      enrollment_path="enrollment_date", death_path="death.date") -> list[Problem]:
    """Every date-order rule the timeline breaks, in a stable order."""
    problems = _future_problems(t, consent_path, enrollment_path, death_path)
    if t.consent_date and t.enrollment_date and t.enrollment_date < t.consent_date:
        problems.append(Problem(enrollment_path, (
            f"{t.enrollment_date} is before the consent date {t.consent_date} "
            "(consent ≤ enrollment)"), consent_path))
    if t.lymphodepletion_start:
        path, start = t.lymphodepletion_start
        if t.enrollment_date and start < t.enrollment_date:
            problems.append(Problem(path, (
                f"{start} is before the enrollment date {t.enrollment_date} "
                "(enrollment ≤ lymphodepletion)"), enrollment_path))
        elif t.consent_date and start < t.consent_date:
            problems.append(Problem(path, (
                f"{start} is before the consent date {t.consent_date} "
                "(consent ≤ lymphodepletion)"), consent_path))
    for path, day in t.infusion_dates:
        if t.lymphodepletion_start and day < t.lymphodepletion_start[1]:
            problems.append(Problem(path, (
                f"{day} is before the lymphodepletion start {t.lymphodepletion_start[1]} "
                "(lymphodepletion ≤ infusion)"), t.lymphodepletion_start[0]))
        elif t.enrollment_date and day < t.enrollment_date:
            problems.append(Problem(path, (
                f"{day} is before the enrollment date {t.enrollment_date} "
                "(enrollment ≤ infusion)"), enrollment_path))
        elif t.consent_date and day < t.consent_date:
            problems.append(Problem(path, (
                f"{day} is before the consent date {t.consent_date} (consent ≤ infusion)"),
                consent_path))
    if t.off_study_date and t.consent_date and t.off_study_date[1] < t.consent_date:
        problems.append(Problem(t.off_study_date[0], (
            f"{t.off_study_date[1]} is before the consent date {t.consent_date}"), consent_path))
    if t.death_date:
        if t.consent_date and t.death_date < t.consent_date:
            problems.append(Problem(death_path, (
                f"{t.death_date} is before the consent date {t.consent_date}"), consent_path))
        dated = [*t.infusion_dates, *t.clinical_dates]
        if t.lymphodepletion_start:
            dated.append(t.lymphodepletion_start)
        for path, day in dated:
            if day > t.death_date:
                problems.append(Problem(path, (
                    f"{day} is after the patient's death on {t.death_date} "
                    "(nothing clinical after death)"), death_path))
    return problems


def _future_problems(t: Timeline, consent_path, enrollment_path, death_path) -> list[Problem]:
    if t.today is None:
        return []
    dated = [(consent_path, t.consent_date), (enrollment_path, t.enrollment_date),
             t.lymphodepletion_start, *t.infusion_dates, (death_path, t.death_date),
             *t.clinical_dates, t.off_study_date]
    return [Problem(path, f"{day} is after the cutoff of {t.today}: a record cannot be dated "
                          "in the future")
            for path, day in filter(None, dated) if day is not None and day > t.today]


def onset_resolution_problems(onset: date | None, resolution: date | None,
                              *, path="resolution_date") -> list[Problem]:
    if onset and resolution and resolution < onset:
        return [Problem(path, f"{resolution} is before the onset date {onset} "
                              "(resolution ≥ onset)")]
    return []
