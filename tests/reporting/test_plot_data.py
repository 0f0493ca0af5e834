"""The plots' numbers, checked against lifelines and hand counts; no database."""

from datetime import UTC, date, datetime

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from efficacy.survival import kaplan_meier
from endpoints import trial_data as td
from endpoints.efficacy import time_to_event_listing
from endpoints.report import build_report
from reporting.plot_data import at_risk_days, km_steps, numbers_at_risk, pk_series, swimmer_rows
from tests.endpoints.test_report import generated_trial

CUTOFF = date(2024, 12, 31)
TIMES = [0, 3, 5, 5, 8, 12, 20, 20, 31]
EVENTS = [True, False, True, False, True, True, False, True, False]


def km(times, events) -> dict:
    return kaplan_meier(times, events).as_report()


def test_km_steps_equal_lifelines_survival_function_at_the_event_times():
    # given
    fitter = KaplanMeierFitter(alpha=0.05).fit(TIMES, EVENTS)
    # when
    steps = km_steps(km(TIMES, EVENTS))
    # then
    at = dict(zip(steps.t, zip(steps.s, steps.ci_low, steps.ci_high, strict=True), strict=True))
    for t in sorted({t for t, e in zip(TIMES, EVENTS, strict=True) if e}):
        s, low, high = at[float(t)]
        assert s == pytest.approx(fitter.survival_function_.loc[t].iloc[0], abs=1e-12)
        assert low == pytest.approx(fitter.confidence_interval_.loc[t].iloc[0], abs=1e-12)
        assert high == pytest.approx(fitter.confidence_interval_.loc[t].iloc[1], abs=1e-12)


def test_censoring_marks_sit_on_the_curve_at_the_censored_times():
    steps = km_steps(km(TIMES, EVENTS))
    assert steps.censored_t == (3.0, 5.0, 20.0, 31.0)
    by_time = dict(zip(steps.t, steps.s, strict=True))
    assert steps.censored_s == tuple(by_time[t] for t in steps.censored_t)


def test_numbers_at_risk_equal_a_hand_count():
    # given: follow-up of 0, 3, 5, 5, 8, 12, 20, 20, 31 days
    days = [0, 4, 5, 6, 12, 13, 21, 31, 32, 60]
    # when
    counts = numbers_at_risk(km(TIMES, EVENTS), days)
    # then: patients with a time of at least d days, counted by hand
    assert counts == [9, 7, 7, 5, 4, 3, 1, 1, 0, 0]
    assert counts == [sum(t >= d for t in TIMES) for d in days]


def test_numbers_at_risk_under_the_report_curves_equal_the_patients_still_followed():
    # given: a generated trial, its report, and each patient's follow-up recomputed here
    trial = generated_trial(60, seed=3)
    cutoff = date(2025, 6, 30)
    report = build_report(trial, cutoff)
    listing = time_to_event_listing(trial.as_of(cutoff))
    for endpoint in ("dor", "efs", "os"):
        days = [t.days for t in listing[endpoint]]
        ticks = at_risk_days(max(days))
        # then
        assert numbers_at_risk(report[endpoint], ticks) == [
            sum(d >= tick for d in days) for tick in ticks]


def test_numbers_at_risk_of_an_empty_endpoint_are_zero():
    assert numbers_at_risk(km([], []), [0, 30]) == [0, 0]


@pytest.mark.parametrize(("last_day", "ticks"), [
    (0, [0]), (100, [0, 30, 60, 90]), (400, [0, 90, 180, 270, 360]),
    (800, [0, 180, 360, 540, 720]),
])
def test_at_risk_ticks_follow_the_length_of_follow_up(last_day, ticks):
    assert at_risk_days(last_day) == ticks


# --- Swimmer ----------------------------------------------------------------------------------

def patient(subject_id, *, infused=None, level="DL1", assessments=(), disease_events=(),
            hsct=None, death=None, cause=None, contact=None, off_study=None, samples=()):
    infusions = (td.InfusionData(1, infused, None, level),) if infused else ()
    return td.PatientData(
        subject_id=subject_id, enrollment_date=date(2024, 1, 2), off_study_date=off_study,
        infusions=infusions, adverse_events=(),
        assessments=tuple(td.AssessmentData(visit, day, response, 0.0)
                          for visit, day, response in assessments),
        disease_events=tuple(td.DiseaseEventData(day, kind) for day, kind in disease_events),
        hsct_date=hsct, death_date=death, death_cause=cause, last_contact_date=contact,
        pk_samples=tuple(samples))


STUDY = td.StudyData("BOIN", 0.3, 28, (td.DoseLevelData("DL1", 1, 5e6, None),
                                     td.DoseLevelData("DL2", 2, 1e7, None)))


def trial(*patients) -> td.TrialData:
    return td.TrialData(study=STUDY, patients=patients)


def test_swimmer_bars_run_from_day_0_to_the_last_known_alive_day():
    # given
    alive = patient("RD-001", infused=date(2024, 1, 10),
                    assessments=[("W4", date(2024, 2, 7), "CR")], contact=date(2024, 6, 1))
    dead = patient("RD-002", infused=date(2024, 2, 1), level="DL2",
                   assessments=[("W4", date(2024, 2, 29), "PR"), ("W8", date(2024, 3, 28), "CR")],
                   disease_events=[(date(2024, 5, 1), "relapse")], death=date(2024, 6, 15),
                   cause="disease_progression")
    seen_after_cutoff = patient("RD-003", infused=date(2024, 3, 1), hsct=date(2024, 5, 20),
                                contact=date(2025, 2, 1))
    left = patient("RD-004", infused=date(2024, 4, 1), contact=date(2024, 4, 20),
                   off_study=date(2024, 5, 1))
    never_infused = patient("RD-005")
    # when
    rows = swimmer_rows(trial(alive, dead, seen_after_cutoff, left, never_infused).as_of(CUTOFF))
    # then: DL1 first, longest follow-up first; counted by hand from day 0
    by_id = {row.subject_id: row for row in rows}
    assert [row.subject_id for row in rows] == ["RD-003", "RD-001", "RD-004", "RD-002"]
    assert by_id["RD-001"].last_day == 143  # 2024-01-10 → 2024-06-01
    assert by_id["RD-002"].last_day == 135  # to the death, 2024-06-15
    assert by_id["RD-003"].last_day == 305  # censored at the cutoff, 2024-12-31
    assert by_id["RD-004"].last_day == 19  # last contact 2024-04-20
    assert [row.ongoing for row in rows] == [True, True, False, False]


def test_swimmer_markers_are_the_first_responses_relapses_hsct_and_death():
    dead = patient("RD-002", infused=date(2024, 2, 1),
                   assessments=[("W4", date(2024, 2, 29), "PR"), ("W8", date(2024, 3, 28), "CR"),
                                ("W12", date(2024, 4, 25), "CR")],
                   disease_events=[(date(2024, 5, 1), "relapse")], hsct=date(2024, 4, 10),
                   death=date(2024, 6, 15), cause="disease_progression")
    (row,) = swimmer_rows(trial(dead).as_of(CUTOFF))
    assert row.responses == ((28, "PR"), (56, "CR/CRi"))
    assert row.disease_events == ((90, "relapse"),)
    assert (row.hsct_day, row.death_day) == (69, 135)


def test_the_swimmer_leaves_out_what_happened_after_the_cutoff():
    later = patient("RD-001", infused=date(2024, 11, 1), death=date(2025, 1, 5),
                    cause="other", disease_events=[(date(2025, 1, 2), "relapse")])
    (row,) = swimmer_rows(trial(later).as_of(CUTOFF))
    assert (row.last_day, row.ongoing, row.death_day, row.disease_events) == (60, True, None, ())


# --- PK -----------------------------------------------------------------------------------------

def sample(day, value, *, matrix="peripheral_blood", below_lloq=False, cells=None):
    at = datetime(2024, 1, 10 + day, 9, tzinfo=UTC)
    return td.PkSampleData(day, at, matrix, value, below_lloq, cells)


def test_pk_series_keep_peripheral_blood_with_blq_as_no_value_by_dose_level():
    # given
    one = patient("RD-001", infused=date(2024, 1, 10), samples=[
        sample(0, None, below_lloq=True), sample(7, 1.2e5, cells=40.0),
        sample(14, 3.0e4, matrix="bone_marrow"), sample(10, 9.0e4)])
    no_samples = patient("RD-002", infused=date(2024, 1, 12))
    # when
    series = pk_series(trial(one, no_samples).as_of(CUTOFF), "car_copies_per_ug_gdna")
    cells = pk_series(trial(one, no_samples).as_of(CUTOFF), "car_t_cells_per_uL")
    # then
    assert list(series) == ["DL1", "DL2"]
    (curve,) = series["DL1"]
    assert curve.days == (0.0, 7.0, 10.0)  # the infusion has no time: whole days
    assert curve.values == (None, 1.2e5, 9.0e4)
    assert series["DL2"] == []
    assert [(c.days, c.values) for c in cells["DL1"]] == [((7.0,), (40.0,))]
    assert np.all(np.diff(curve.days) > 0)
