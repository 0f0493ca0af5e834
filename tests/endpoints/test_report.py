"""The endpoint report (endpoints/report.py): the PK block, the contract's shape on a generated and
an empty trial, and OS checked against lifelines on times recomputed here from the raw data.
No database."""

import ast
import json
import math
import random
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from endpoints.report import build_report, pk_points, sample_time_days
from endpoints.trial_data import (
    AdverseEventData,
    AssessmentData,
    DiseaseEventData,
    DoseLevelData,
    InfusionData,
    PatientData,
    PkSampleData,
    StudyData,
    TrialData,
)
from tests.report_shape import report_shape_problems

LEVELS = (DoseLevelData("DL1", 1, 5.0e6, None), DoseLevelData("DL2", 2, None, 4.0e8),
          DoseLevelData("DL3", 3, 2.0e7, None))
STUDY = StudyData("BOIN", 0.3, 28, LEVELS)
DAY0 = date(2024, 3, 12)
CUTOFF = date(2025, 6, 30)


# --- Factories ---------------------------------------------------------------------------------

def patient(subject_id="RD-001", *, infused_at=None, samples=(), **fields):
    """An enrolled patient infused at DL1 on DAY0 (at `infused_at`, a time, when given)."""
    values = dict(subject_id=subject_id, enrollment_date=DAY0 - timedelta(days=8),
                  off_study_date=None,
                  infusions=(InfusionData(1, DAY0, infused_at, "DL1"),), adverse_events=(),
                  assessments=(), disease_events=(), hsct_date=None, death_date=None,
                  death_cause=None, last_contact_date=None, pk_samples=tuple(samples))
    values.update(fields)
    return PatientData(**values)


def sample(at, copies=None, *, below_lloq=False, cells=None, matrix="peripheral_blood"):
    return PkSampleData(nominal_day=0, collected_at=at, matrix=matrix,
                        car_copies_per_ug_gdna=copies, below_lloq=below_lloq,
                        car_t_cells_per_uL=cells)


def utc(day, hour=0, minute=0):
    return datetime.combine(DAY0 + timedelta(days=day), time(hour, minute), tzinfo=UTC)


def generated_trial(n_patients, seed, first_enrollment=date(2022, 1, 3)):
    """A synthetic trial of `n_patients`, ~30 records each, dose escalation over time; some
    records fall after CUTOFF."""
    rng = random.Random(seed)
    return TrialData(STUDY, tuple(generated_patient(rng, i, first_enrollment)
                                  for i in range(n_patients)))


def generated_patient(rng, index, first_enrollment):
    enrolled = first_enrollment + timedelta(days=rng.randrange(0, 1200))
    fields = dict(subject_id=f"RD-{index:05d}", enrollment_date=enrolled, off_study_date=None,
                  infusions=(), adverse_events=(), assessments=(), disease_events=(),
                  hsct_date=None, death_date=None, death_cause=None, last_contact_date=None,
                  pk_samples=())
    if rng.random() < 0.08:  # enrolled, never infused
        fields["off_study_date"] = enrolled + timedelta(days=rng.randrange(1, 10))
        return PatientData(**fields)
    day0 = enrolled + timedelta(days=rng.randrange(7, 15))
    level = LEVELS[min(2, (enrolled - first_enrollment).days // 300 + rng.choice((-1, 0, 0)))]
    infused_at = time(rng.randrange(8, 17), rng.choice((0, 15, 30, 45))) \
        if rng.random() < 0.7 else None
    infusions = [InfusionData(1, day0, infused_at, level.code)]
    if rng.random() < 0.05:
        infusions.append(InfusionData(2, day0 + timedelta(days=60), None, LEVELS[-1].code))
    death_day = int(rng.expovariate(1 / 500))
    follow_up_days = min(death_day, (date(2025, 12, 31) - day0).days)

    def on(day):
        return day0 + timedelta(days=day)

    fields["infusions"] = tuple(infusions)
    fields["adverse_events"] = tuple(generated_ae(rng, on, follow_up_days) for _ in range(14))
    responding = rng.random() < 0.7
    assessments = []
    for visit, nominal in (("W4", 28), ("W8", 56), ("W12", 84), ("M6", 182), ("M9", 273),
                           ("M12", 365), ("UNSCHEDULED", rng.randrange(1, 120)),
                           ("UNSCHEDULED", rng.randrange(1, 120))):
        day = nominal + rng.randrange(-10, 11) if visit != "UNSCHEDULED" else nominal
        if 1 <= day <= follow_up_days and rng.random() < 0.9:
            response = rng.choice(("CR", "CR", "CRi", "PR", "SD") if responding
                                  else ("SD", "PD", "NE", "PR"))
            mrd = rng.choice((None, 0.0, 0.005, 0.0099, 0.01, 0.3)) \
                if response in ("CR", "CRi") else None
            assessments.append(AssessmentData(visit, on(day), response, mrd))
    fields["assessments"] = tuple(sorted(assessments, key=lambda a: a.date))
    if rng.random() < 0.4:
        day = rng.randrange(30, 700)
        if day <= follow_up_days:
            fields["disease_events"] = (DiseaseEventData(on(day), rng.choice(
                ("relapse", "progression"))),)
    if responding and rng.random() < 0.3 and (day := rng.randrange(40, 400)) <= follow_up_days:
        fields["hsct_date"] = on(day)
    if follow_up_days == death_day:
        fields["death_date"] = on(death_day)
        fields["death_cause"] = rng.choice(("disease_progression", "adverse_event", "other",
                                            "unknown"))
    elif rng.random() < 0.8:
        fields["last_contact_date"] = on(follow_up_days - rng.randrange(0, 30))
    if rng.random() < 0.05:
        fields["off_study_date"] = on(rng.randrange(0, max(1, follow_up_days)))
    fields["pk_samples"] = tuple(generated_pk(rng, day0, infused_at, follow_up_days))
    return PatientData(**fields)


def generated_ae(rng, on, follow_up_days):
    onset = rng.randrange(-5, max(1, min(follow_up_days, 120)))
    flagged = 0 <= onset <= 28 and rng.random() < 0.15
    return AdverseEventData(
        term=rng.choice(("Cytokine release syndrome", "ICANS", "Neutropenia", "Fatigue")),
        grade=rng.randrange(1, 6), onset_date=on(onset),
        resolution_date=on(onset + rng.randrange(0, 20)) if rng.random() < 0.8 else None,
        dlt_flagged=flagged,
        adjudication=rng.choice(("confirmed", "rejected", None)) if flagged else None)


def generated_pk(rng, day0, infused_at, follow_up_days):
    peak_day, peak = rng.uniform(7, 14), 10 ** rng.uniform(3, 6)
    with_cells = rng.random() < 0.7
    start = datetime.combine(day0, infused_at or time(9), tzinfo=UTC)
    for nominal in (0, 1, 4, 7, 10, 14, 21, 28, 56, 84, 182, 365):
        if nominal > follow_up_days or rng.random() < 0.1:
            continue
        value = peak * math.exp(-((nominal - peak_day) / 8) ** 2) if nominal else 0.0
        blq = value < 50
        yield PkSampleData(
            nominal_day=nominal,
            collected_at=start + timedelta(days=nominal, hours=rng.uniform(-2, 2)),
            matrix="peripheral_blood" if rng.random() < 0.9 else "bone_marrow",
            car_copies_per_ug_gdna=None if blq else value, below_lloq=blq,
            car_t_cells_per_uL=value / 1000 if with_cells else None)


def trial_of(*patients):
    return TrialData(STUDY, patients)


def pk_of(report, subject_id="RD-001"):
    return next(row for row in report["pk"]["patients"] if row["subject_id"] == subject_id)


def with_snapshot(report):
    """The caller's snapshot, so that the whole report can go through the shape check."""
    return {**report, "snapshot": {"computed_at": "2025-06-30T12:00:00Z", "data_version": 1,
                                   "stale": False, "duration_ms": 1.0}}


# --- PK sample times ---------------------------------------------------------------------------

@pytest.mark.parametrize(("infused_at", "collected_at", "days"), [
    # Infusion time known: fractional days from the infusion's start, read as UTC.
    (time(9), utc(7, 21), 7.5),
    (time(9), datetime(2024, 3, 19, 17, 0, tzinfo=timezone(timedelta(hours=8))), 7.0),
    (time(9), utc(0, 8), -1 / 24),  # a pre-infusion draw
    # An infusion time that carries its zone (the loader's TIME_ZONE) is read in it.
    (time(9, tzinfo=timezone(timedelta(hours=8))), utc(7, 1), 7.0),
    # Unknown: the UTC collection date minus the infusion date, whole days.
    (None, utc(7, 23, 59), 7.0),
    (None, datetime(2024, 3, 20, 1, 0, tzinfo=timezone(timedelta(hours=8))), 7.0),
])
@pytest.mark.requirement("END-PK-02")
def test_sample_time(infused_at, collected_at, days):
    p = patient(infused_at=infused_at)
    assert sample_time_days(sample(collected_at, 1.0), p.infusions[0]) == pytest.approx(days)


@pytest.mark.requirement("END-PK-01")
def test_pk_points_are_peripheral_blood_samples_with_a_result():
    # given a blood sample, a BLQ one, a marrow one and one with only a flow count
    p = patient(infused_at=time(9), samples=(
        sample(utc(1, 9), 10.0), sample(utc(4, 9), below_lloq=True),
        sample(utc(7, 9), 50.0, matrix="bone_marrow"), sample(utc(10, 9), cells=3.0)))
    # then
    assert [(point.time_days, point.value, point.below_lloq)
            for point in pk_points(p, "car_copies_per_ug_gdna")] == [(1.0, 10.0, False),
                                                                     (4.0, None, True)]
    assert [(point.time_days, point.value, point.below_lloq)
            for point in pk_points(p, "car_t_cells_per_uL")] == [(10.0, 3.0, False)]


# --- The PK block ------------------------------------------------------------------------------

HAND_CURVE = (sample(utc(1, 9), 10.0), sample(utc(7, 9), 30.0),
              sample(utc(28, 9), below_lloq=True), sample(utc(56, 9), 5.0))


@pytest.mark.requirement("END-PK-04", "END-PK-05", "END-PK-06")
def test_pk_parameters_of_one_patient_worked_by_hand():
    # given samples at 09:00 on days 1, 7, 28 (BLQ) and 56, infused at 09:00 on DAY0
    report = build_report(trial_of(patient(infused_at=time(9), samples=HAND_CURVE)), CUTOFF)
    # then: curve (0,0) (1,10) (7,30) (28,0): 5 + 120 + 315; BLQ after the last in the window is 0
    assert pk_of(report) == {"subject_id": "RD-001", "dose_level": "DL1", "cmax": 30.0,
                             "tmax": 7.0, "auc_0_28": 440.0, "auc_0_28_partial": False,
                             "tlast": 56.0, "clast": 5.0}
    assert report["pk"]["analyte"] == "car_copies_per_ug_gdna"


@pytest.mark.requirement("END-TIME-02")
def test_pk_samples_after_the_cutoff_are_ignored():
    # given the same curve, cutoff on day 30
    report = build_report(trial_of(patient(infused_at=time(9), samples=HAND_CURVE)),
                          DAY0 + timedelta(days=30))
    # then
    assert (pk_of(report)["tlast"], pk_of(report)["clast"]) == (7.0, 30.0)


@pytest.mark.requirement("END-PK-07")
def test_only_infused_patients_with_a_quantifiable_sample_are_listed():
    trial = trial_of(
        patient("RD-001", samples=HAND_CURVE),
        patient("RD-002", samples=(sample(utc(7, 9), below_lloq=True),)),
        patient("RD-003", samples=(sample(utc(7, 9), 40.0, matrix="csf"),)),
        patient("RD-004", infusions=(), samples=HAND_CURVE))
    report = build_report(trial, CUTOFF)
    assert [row["subject_id"] for row in report["pk"]["patients"]] == ["RD-001"]


@pytest.mark.requirement("END-PK-07")
def test_pk_summaries_have_a_row_per_dose_level_in_rank_order():
    # given two patients at DL2: Cmax 30 and 120
    second = (sample(utc(1, 9), 20.0), sample(utc(7, 9), 120.0), sample(utc(28, 9), 10.0))
    dl2 = (InfusionData(1, DAY0, time(9), "DL2"),)
    report = build_report(trial_of(patient("RD-001", infusions=dl2, samples=HAND_CURVE),
                                   patient("RD-002", infusions=dl2, samples=second)), CUTOFF)
    # then: geometric mean √(30 · 120) = 60
    rows = report["pk"]["by_dose_level"]
    assert [(row["dose_level"], row["n"]) for row in rows] == [("DL1", 0), ("DL2", 2), ("DL3", 0)]
    assert rows[1]["cmax_median"] == 75.0
    assert rows[1]["cmax_geomean"] == pytest.approx(60.0)
    assert rows[0]["cmax_median"] is None


@pytest.mark.requirement("END-PK-01")
def test_car_t_cells_get_the_same_parameters_under_pk_cells():
    # given flow counts 2 on day 1, 0 (below the limit) on day 7, 1 on day 14; no qPCR result
    samples = (sample(utc(1, 9), cells=2.0, below_lloq=True), sample(utc(7, 9), cells=0.0),
               sample(utc(14, 9), cells=1.0))
    report = build_report(trial_of(patient(infused_at=time(9), samples=samples)), CUTOFF)
    # then: the zero between quantified samples is left out: (0,0) (1,2) (14,1), partial
    assert report["pk"]["patients"] == []
    assert report["pk_cells"]["analyte"] == "car_t_cells_per_uL"
    assert report["pk_cells"]["patients"] == [{
        "subject_id": "RD-001", "dose_level": "DL1", "cmax": 2.0, "tmax": 1.0,
        "auc_0_28": 1.0 + 13 * 1.5, "auc_0_28_partial": True, "tlast": 14.0, "clast": 1.0}]


# --- The whole report --------------------------------------------------------------------------

@pytest.mark.requirement("CON-REP-02")
def test_the_report_has_every_contract_key_but_the_snapshot():
    report = build_report(generated_trial(20, seed=3), CUTOFF)
    assert list(report) == ["cutoff", "populations", "dlt", "orr", "mrd_orr", "hsct", "dor",
                            "efs", "os", "dor_censored_at_hsct", "efs_censored_at_hsct", "pk",
                            "pk_cells"]
    assert report["cutoff"] == "2025-06-30"


@pytest.mark.requirement("CON-REP-02")
def test_a_generated_trial_passes_the_shape_check():
    # given ~200 patients, some records after the cutoff
    report = build_report(generated_trial(200, seed=1), CUTOFF)
    # when
    problems = report_shape_problems(with_snapshot(report))
    # then
    assert problems == []
    assert report["populations"]["infused"] > 150
    assert report["dor"]["events"] > 0 and report["pk"]["patients"]


@pytest.mark.parametrize("levels", [LEVELS, ()])
@pytest.mark.requirement("CON-REP-02", "CON-REP-07")
def test_an_empty_trial_passes_the_shape_check_with_nothing_to_decide(levels):
    # given no patients (with and without dose levels defined)
    trial = TrialData(StudyData("BOIN", 0.3, 28, levels), ())
    # when
    report = build_report(trial, CUTOFF)
    # then
    assert report_shape_problems(with_snapshot(report)) == []
    assert report["populations"] == {"enrolled": 0, "infused": 0, "dlt_evaluable": 0}
    escalation = report["dlt"]["escalation"]
    assert (escalation["current_dose_level"], escalation["decision"], escalation["mtd"]) == (
        None, None, None)
    assert report["os"]["n"] == 0 and report["os"]["median"] is None
    assert report["orr"]["W4"]["cr_cri"]["rate"] is None
    assert [row["n"] for row in report["pk"]["by_dose_level"]] == [0] * len(levels)


@pytest.mark.requirement("CON-REP-03")
def test_the_report_is_strict_json_of_plain_python_values():
    report = build_report(generated_trial(200, seed=2), CUTOFF)

    def plain(value):
        if isinstance(value, dict):
            return all(type(k) is str and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(map(plain, value))
        return value is None or type(value) in (str, int, float, bool)

    assert plain(report)
    json.dumps(report, allow_nan=False)


def test_populations_and_the_dlt_table_agree():
    report = build_report(generated_trial(200, seed=4), CUTOFF)
    dlt = report["dlt"]
    assert report["populations"]["dlt_evaluable"] == dlt["overall"]["n"]
    assert report["populations"]["infused"] == sum(row["infused"] for row in dlt["by_dose_level"])


# --- OS against an independent oracle ---------------------------------------------------------

def os_by_hand(trial, cutoff):
    """OS times and events recomputed from the raw records, without the report's code."""
    times, events = [], []
    for p in trial.patients:
        if not p.infusions or p.infusions[0].date > cutoff:
            continue
        if p.death_date is not None and p.death_date <= cutoff:
            end, event = p.death_date, True
        else:
            seen = [p.last_contact_date, p.hsct_date, *(i.date for i in p.infusions),
                    *(a.date for a in p.assessments), *(e.date for e in p.disease_events),
                    *(ae.onset_date for ae in p.adverse_events),
                    *(ae.resolution_date for ae in p.adverse_events),
                    *(s.collected_at.astimezone(UTC).date() for s in p.pk_samples)]
            last_seen = max(d for d in seen if d is not None)
            # Dead after the cutoff, or seen after it: alive on the cutoff date.
            end, event = (cutoff if p.death_date is not None else min(last_seen, cutoff)), False
        times.append((end - p.infusions[0].date).days)
        events.append(event)
    return times, events


@pytest.mark.requirement("END-OS-01", "END-KM-06")
def test_os_matches_lifelines_on_times_recomputed_from_the_raw_data():
    # given
    trial = generated_trial(300, seed=7)
    times, events = os_by_hand(trial, CUTOFF)
    with np.errstate(divide="ignore", invalid="ignore"):
        fitter = KaplanMeierFitter(alpha=0.05).fit(np.array(times, float), np.array(events))
    # when
    os_report = build_report(trial, CUTOFF)["os"]
    # then
    curve = os_report["curve"]
    assert (os_report["n"], os_report["events"]) == (len(times), sum(events))
    assert [row["t"] for row in curve] == fitter.event_table.index.tolist()
    assert [row["at_risk"] for row in curve] == fitter.event_table["at_risk"].tolist()
    assert [row["s"] for row in curve] == pytest.approx(
        fitter.survival_function_.iloc[:, 0].tolist(), abs=1e-9)
    assert [row["ci_low"] for row in curve] == pytest.approx(
        fitter.confidence_interval_.iloc[:, 0].tolist(), abs=1e-9)
    assert [row["ci_high"] for row in curve] == pytest.approx(
        fitter.confidence_interval_.iloc[:, 1].tolist(), abs=1e-9)
    median = fitter.median_survival_time_
    assert os_report["median"] == (None if math.isinf(median) else pytest.approx(median))
    assert sum(events) > 20 and len(times) > 250


# --- Purity ------------------------------------------------------------------------------------

@pytest.mark.parametrize("module", ["endpoints/trial_data.py", "endpoints/report.py",
                                    "endpoints/efficacy.py", "endpoints/dlt.py"])
def test_the_endpoint_modules_import_nothing_from_django(module):
    source = (Path(__file__).resolve().parents[2] / module).read_text()
    imported = [alias.name for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] in ("django", "rest_framework")]
