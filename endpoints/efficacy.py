"""Populations and efficacy endpoints (docs/spec/endpoints.md, "Time, populations and the
cutoff" and "Efficacy (secondary)").

Every function reads the trial as it stood at the cutoff (`TrialData.as_of`): records dated after
the cutoff are already gone, so "events and censoring are only counted on or before the cutoff"
holds by construction. A day is `(date − day 0)` in whole days, day 0 the first infusion.

- Populations: enrolled (enrollment date ≤ cutoff), infused (first infusion ≤ cutoff: the
  denominator of every proportion here), DLT-evaluable (`endpoints.dlt`).
- ORR at W4/W8/W12: the response of the assessment labelled with the visit, whatever its day (out
  of window still counts); none at that visit is a non-responder. `best_by_W12`: the best of the
  W4, W8 and W12 assessments and of UNSCHEDULED ones on days 1…91, CR > CRi > PR > SD > PD > NE.
- MRD-ORR: a CR/CRi on days 1…365 with `mrd_pct` < 0.01 (`efficacy.response.mrd_negative`;
  0.01 is positive, a missing value is not negative; below a detection limit ≤ 0.01, "<0.01",
  is negative). HSCT: an HSCT date on days 1…365.
- DOR: start at the first CR/CRi/PR on days 1…365; event the first disease event after the start
  or death from `disease_progression`; else censored at the last response assessment on or after
  the start (deaths from other causes too). EFS: the same from the first CR/CRi, death of any
  cause an event. OS: from day 0, death an event, else censored at the last known alive date.
- `*_censored_at_hsct`: an HSCT after the start and before any event censors at the HSCT date.
- An event or censoring on the start date gives time 0, kept.

Conventions where the spec is silent:
- Several assessments labelled the same visit: the visit's response is the earliest one's (a later
  one under the same label is a repeat; taking the best would favour patients assessed twice).
  `best_by_W12` is a best-of by definition and reads them all.
- "After the start" is strict: a disease event dated on the start date is not an event (the same
  assessment cannot be both remission and relapse); a death on the start date is (time 0).
  A disease event and a qualifying death on the same day: the disease event is the reason given.
- HSCT censoring: an HSCT on the start date is not "after" it and one on the event date is not
  "before" it, so neither changes anything. Without an event the patient is censored at the HSCT
  date even when it falls after the last response assessment — the spec's rule as written.

Pure: imports nothing from Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import NamedTuple

from efficacy.proportions import clopper_pearson
from efficacy.response import mrd_negative
from efficacy.survival import kaplan_meier
from endpoints.dlt import is_dlt_evaluable
from endpoints.trial_data import PatientData, TrialAsOf

CR_CRI = frozenset({"CR", "CRi"})
CR_CRI_PR = frozenset({"CR", "CRi", "PR"})
# Best first: docs/spec/endpoints.md's order for the best response.
RESPONSE_RANK = {"CR": 0, "CRi": 1, "PR": 2, "SD": 3, "PD": 4, "NE": 5}
ORR_VISITS = ("W4", "W8", "W12")
UNSCHEDULED = "UNSCHEDULED"
BEST_BY_W12_LAST_DAY = 91
FIRST_YEAR_LAST_DAY = 365
DISEASE_PROGRESSION = "disease_progression"

# Why a TimeToEvent ends where it does (disease events give their own type: relapse, progression).
CENSORED_LAST_ASSESSMENT = "last response assessment"
CENSORED_LAST_KNOWN_ALIVE = "last known alive"
CENSORED_HSCT = "HSCT"


class _TimeToEventFields(NamedTuple):
    subject_id: str
    start: date
    end: date
    event: bool  # False: censored at `end`
    reason: str  # "relapse", "progression", "death (<cause>)", or a CENSORED_* reason


class TimeToEvent(_TimeToEventFields):
    """One patient's follow-up in a time-to-event endpoint, with why it ends where it does.

    A named tuple (five are built per infused patient on every recompute) that refuses an end
    before the start."""

    __slots__ = ()

    def __new__(cls, subject_id: str, start: date, end: date, event: bool, reason: str):
        if end < start:
            raise ValueError(f"{subject_id}: follow-up ends ({end}, {reason}) "
                             f"before it starts ({start})")
        return tuple.__new__(cls, (subject_id, start, end, event, reason))

    @property
    def days(self) -> int:
        return (self.end - self.start).days


# --- Populations and proportions --------------------------------------------------------------

def populations(trial: TrialAsOf) -> dict:
    """Enrolled, infused (mITT) and DLT-evaluable patients at the cutoff."""
    window = trial.study.dlt_window_days
    return {
        "enrolled": sum(1 for p in trial.patients if p.enrollment_date is not None),
        "infused": len(trial.infused),
        "dlt_evaluable": sum(1 for p in trial.infused
                             if is_dlt_evaluable(p, window, trial.cutoff)),
    }


def visit_responses(patient: PatientData) -> dict[str, str]:
    """The response at each visit label, from the earliest assessment under it, whatever its day."""
    earliest = {}
    for assessment in patient.assessments:
        kept = earliest.get(assessment.visit)
        if kept is None or assessment.date < kept.date:
            earliest[assessment.visit] = assessment
    return {visit: assessment.response for visit, assessment in earliest.items()}


def best_response_by_w12(patient: PatientData) -> str | None:
    """Best of the W4/W8/W12 assessments and UNSCHEDULED ones on days 1…91; None if none."""
    responses = [a.response for a in patient.assessments
                 if a.visit in ORR_VISITS or (a.visit == UNSCHEDULED and 1 <= patient.study_day(
                     a.date) <= BEST_BY_W12_LAST_DAY)]
    return min(responses, key=RESPONSE_RANK.__getitem__, default=None)


def response_rates(responses: Sequence[str | None]) -> dict:
    """`cr_cri` and `cr_cri_pr` among infused patients; None (no assessment) is a non-responder."""
    return {
        "cr_cri": clopper_pearson(sum(r in CR_CRI for r in responses), len(responses)).as_dict(),
        "cr_cri_pr": clopper_pearson(sum(r in CR_CRI_PR for r in responses),
                                     len(responses)).as_dict(),
    }


def orr(trial: TrialAsOf) -> dict:
    """ORR at W4, W8, W12 and `best_by_W12`, denominator infused."""
    by_patient = [visit_responses(p) for p in trial.infused]
    report = {visit: response_rates([responses.get(visit) for responses in by_patient])
              for visit in ORR_VISITS}
    report["best_by_W12"] = response_rates([best_response_by_w12(p) for p in trial.infused])
    return report


def has_mrd_negative_remission(patient: PatientData) -> bool:
    """A CR/CRi on days 1…365 with MRD measured and < 0.01%."""
    return any(a.response in CR_CRI and 1 <= patient.study_day(a.date) <= FIRST_YEAR_LAST_DAY
               and mrd_negative(a.mrd_pct, a.mrd_below_detection) is True
               for a in patient.assessments)


def has_hsct_in_first_year(patient: PatientData) -> bool:
    """An HSCT on days 1…365."""
    return (patient.hsct_date is not None
            and 1 <= patient.study_day(patient.hsct_date) <= FIRST_YEAR_LAST_DAY)


def mrd_orr(trial: TrialAsOf) -> dict:
    """Infused patients with an MRD-negative CR/CRi on days 1…365, of the infused."""
    return clopper_pearson(sum(map(has_mrd_negative_remission, trial.infused)),
                           len(trial.infused)).as_dict()


def hsct_proportion(trial: TrialAsOf) -> dict:
    """Infused patients with an HSCT on days 1…365, of the infused."""
    return clopper_pearson(sum(map(has_hsct_in_first_year, trial.infused)),
                           len(trial.infused)).as_dict()


# --- Time to event ----------------------------------------------------------------------------

def remission_start(patient: PatientData, categories: frozenset[str]) -> date | None:
    """Date of the first assessment in `categories` on days 1…365, None if there is none."""
    return min((a.date for a in patient.assessments if a.response in categories
                and 1 <= patient.study_day(a.date) <= FIRST_YEAR_LAST_DAY), default=None)


def dor_time(patient: PatientData) -> TimeToEvent | None:
    """DOR from the first CR/CRi/PR; death counts only from disease progression."""
    start = remission_start(patient, CR_CRI_PR)
    if start is None:
        return None
    return _remission_time(patient, start, lambda cause: cause == DISEASE_PROGRESSION)


def efs_time(patient: PatientData) -> TimeToEvent | None:
    """EFS from the first CR/CRi; death of any cause is an event."""
    start = remission_start(patient, CR_CRI)
    if start is None:
        return None
    return _remission_time(patient, start, lambda cause: True)


def os_time(patient: PatientData, cutoff: date) -> TimeToEvent:
    """OS from day 0: death is the event, else censored at the last known alive date."""
    start = patient.infusions[0].date
    if patient.death_date is not None:
        return TimeToEvent(patient.subject_id, start, patient.death_date, True,
                           f"death ({patient.death_cause})")
    return TimeToEvent(patient.subject_id, start, patient.last_known_alive_date(cutoff), False,
                       CENSORED_LAST_KNOWN_ALIVE)


def censored_at_hsct(time: TimeToEvent, hsct_date: date | None) -> TimeToEvent:
    """The sensitivity variant: an HSCT after the start and before any event censors there."""
    if hsct_date is None or hsct_date <= time.start:
        return time
    if time.event and hsct_date >= time.end:
        return time
    return TimeToEvent(time.subject_id, time.start, hsct_date, False, CENSORED_HSCT)


def time_to_event_listing(trial: TrialAsOf) -> dict[str, list[TimeToEvent]]:
    """Every patient's follow-up in each time-to-event endpoint, keyed as in the report."""
    listing = {"dor": [], "efs": [], "os": [], "dor_censored_at_hsct": [],
               "efs_censored_at_hsct": []}
    for patient in trial.infused:
        for name, time in (("dor", dor_time(patient)), ("efs", efs_time(patient))):
            if time is not None:
                listing[name].append(time)
                listing[f"{name}_censored_at_hsct"].append(
                    censored_at_hsct(time, patient.hsct_date))
        listing["os"].append(os_time(patient, trial.cutoff))
    return listing


def km_report(times: Sequence[TimeToEvent]) -> dict:
    """The report's Kaplan–Meier object (`efficacy.survival`) of these follow-ups, in days."""
    return kaplan_meier([t.days for t in times], [t.event for t in times]).as_report()


def efficacy_report(trial: TrialAsOf) -> dict:
    """The report's efficacy blocks: orr, mrd_orr, hsct and the five time-to-event objects."""
    listing = time_to_event_listing(trial)
    return {
        "orr": orr(trial),
        "mrd_orr": mrd_orr(trial),
        "hsct": hsct_proportion(trial),
        **{name: km_report(listing[name]) for name in
           ("dor", "efs", "os", "dor_censored_at_hsct", "efs_censored_at_hsct")},
    }


def _remission_time(patient: PatientData, start: date,
                    death_is_event: Callable[[str | None], bool]) -> TimeToEvent:
    events = [(e.date, e.type) for e in patient.disease_events if e.date > start]
    if patient.death_date is not None and death_is_event(patient.death_cause):
        events.append((patient.death_date, f"death ({patient.death_cause})"))
    if events:
        # min() keeps the first of equal dates: a disease event before a same-day death.
        end, reason = min(events, key=lambda event: event[0])
        return TimeToEvent(patient.subject_id, start, end, True, reason)
    last_assessment = max(a.date for a in patient.assessments if a.date >= start)
    return TimeToEvent(patient.subject_id, start, last_assessment, False,
                       CENSORED_LAST_ASSESSMENT)
