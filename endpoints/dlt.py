"""The primary safety endpoint: DLT rate per dose level and overall, pending candidates and the
escalation recommendation (docs/spec/endpoints.md, "Safety (primary)" and "DLT-evaluable").

- A patient belongs to the dose level of their FIRST infusion, once, whatever they received later.
- DLT: an adverse event adjudicated *confirmed*, with onset on day 0 … `dlt_window_days` (the
  window of the candidate rules, `safety.dlt_rules.is_in_dlt_window`). A confirmation on an AE
  outside the window does not count: a DLT candidate is by definition an AE of the window
  (docs/spec/endpoints.md, "DLT candidate"). Whether a rule or an investigator raised the
  candidate does not matter, only the signed decision; `dlt_flagged` plays no part.
- DLT-evaluable: infused, and either with a DLT, or followed through the whole window — not dead
  and not off study on any day 0 … `dlt_window_days` (both ends inside the window, as the spec
  writes it), and known alive on day `dlt_window_days`: a last known alive date on or after it,
  or a death after it (they lived through the window).
- DLT rate: patients with ≥ 1 DLT / DLT-evaluable patients, Clopper–Pearson exact 95%.
- `pending` counts adverse events, not patients: those flagged (an active candidate) and not yet
  adjudicated, with onset on or before the cutoff, of patients whose first infusion was at the
  level. That is the investigator's work list; one patient may have several.
- Escalation (`dosing.escalation.recommend`): the current dose level is the level of the most
  recently infused patient at the cutoff — the latest first-infusion date, since patients enter a
  cohort with their first infusion (a second infusion of an earlier patient opens no cohort).
  Patients first infused on the same date at two levels: the higher level is current (a
  same-day pair means the higher level has been opened). Infusion times are not compared: they
  are optional and recorded for PK.

Pure: imports nothing from Django. Reads a `TrialAsOf` (the cutoff already applied).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dosing.escalation import LevelTally, recommend
from efficacy.proportions import clopper_pearson
from endpoints.trial_data import PatientData, StudyData, TrialAsOf
from safety.dlt_rules import is_in_dlt_window

CONFIRMED = "confirmed"


@dataclass(frozen=True, slots=True)
class PatientDlt:
    """One infused patient's place in the DLT table, at the level of their first infusion."""

    subject_id: str
    dose_level_code: str
    evaluable: bool
    dlt: bool
    pending: int  # flagged adverse events not yet adjudicated


def has_confirmed_dlt(patient: PatientData, dlt_window_days: int) -> bool:
    """A confirmed DLT with onset on day 0 … `dlt_window_days`; False if not infused."""
    if not patient.infusions:
        return False
    return any(ae.adjudication == CONFIRMED
               and is_in_dlt_window(patient.study_day(ae.onset_date), dlt_window_days)
               for ae in patient.adverse_events)


def followed_through_dlt_window(patient: PatientData, dlt_window_days: int, cutoff: date) -> bool:
    """Neither dead nor off study on day 0 … `dlt_window_days`, and known alive on its last day."""
    window_end = patient.infusions[0].date + timedelta(days=dlt_window_days)
    for left_on in (patient.death_date, patient.off_study_date):
        if left_on is not None and left_on <= window_end:
            return False
    if patient.death_date is not None:
        return True
    last_known_alive = patient.last_known_alive_date(cutoff)
    return last_known_alive is not None and last_known_alive >= window_end


def is_dlt_evaluable(patient: PatientData, dlt_window_days: int, cutoff: date) -> bool:
    """END-POP-03 "DLT-evaluable": infused, and a DLT or followed through the whole window."""
    return bool(patient.infusions) and (
        has_confirmed_dlt(patient, dlt_window_days)
        or followed_through_dlt_window(patient, dlt_window_days, cutoff))


def patient_dlt(patient: PatientData, study: StudyData, cutoff: date) -> PatientDlt:
    """The DLT facts of one infused patient at the cutoff (`patient` already `as_of` it)."""
    dlt = has_confirmed_dlt(patient, study.dlt_window_days)
    return PatientDlt(
        subject_id=patient.subject_id,
        dose_level_code=patient.infusions[0].dose_level_code,
        evaluable=dlt or followed_through_dlt_window(patient, study.dlt_window_days, cutoff),
        dlt=dlt,
        pending=sum(1 for ae in patient.adverse_events
                    if ae.dlt_flagged and ae.adjudication is None),
    )


def current_dose_level(trial: TrialAsOf) -> str | None:
    """Level of the most recently first-infused patient; the higher level on a same-day tie."""
    rank = _rank_by_code(trial.study)
    latest = max(trial.infused, default=None,
                 key=lambda p: (p.infusions[0].date, rank[p.infusions[0].dose_level_code]))
    return None if latest is None else latest.infusions[0].dose_level_code


def dlt_report(trial: TrialAsOf) -> dict:
    """The report's `dlt` block (docs/spec/contract.md §4): a row for every defined dose level in
    rank order, the overall rate, and the escalation recommendation."""
    study = trial.study
    rank = _rank_by_code(study)
    rows = {level.code: {"infused": 0, "evaluable": 0, "dlt": 0, "pending": 0}
            for level in study.dose_levels}
    for patient in trial.infused:
        facts = patient_dlt(patient, study, trial.cutoff)
        if facts.dose_level_code not in rank:
            raise ValueError(f"{facts.subject_id}: dose level {facts.dose_level_code!r} of the "
                             f"first infusion is not among the study's {list(rank)}")
        row = rows[facts.dose_level_code]
        row["infused"] += 1
        row["evaluable"] += facts.evaluable
        row["dlt"] += facts.dlt
        row["pending"] += facts.pending

    by_dose_level = []
    for level in study.dose_levels:
        row = rows[level.code]
        rate = clopper_pearson(row["dlt"], row["evaluable"])
        by_dose_level.append({
            "dose_level": level.code, "cells_per_kg": level.cells_per_kg,
            "total_cells": level.total_cells, "infused": row["infused"],
            "evaluable": row["evaluable"], "dlt": row["dlt"], "rate": rate.rate,
            "ci_low": rate.ci_low, "ci_high": rate.ci_high, "pending": row["pending"],
        })
    overall = clopper_pearson(sum(row["dlt"] for row in rows.values()),
                              sum(row["evaluable"] for row in rows.values()))
    tallies = [LevelTally(row["dose_level"], row["evaluable"], row["dlt"])
               for row in by_dose_level]
    escalation = recommend(tallies, design=study.escalation_design,
                           target=study.target_dlt_rate, current_code=current_dose_level(trial))
    return {"by_dose_level": by_dose_level, "overall": overall.as_dict(),
            "escalation": escalation.as_dict()}


def _rank_by_code(study: StudyData) -> dict[str, int]:
    return {level.code: level.rank for level in study.dose_levels}
