"""Populations and efficacy endpoints (endpoints/efficacy.py), one hand-worked case per rule of
docs/spec/endpoints.md, "Time, populations and the cutoff" and "Efficacy (secondary)".
No database."""

from datetime import date, timedelta

import pytest

from efficacy.proportions import clopper_pearson
from endpoints.efficacy import (
    CENSORED_HSCT,
    CENSORED_LAST_ASSESSMENT,
    CENSORED_LAST_KNOWN_ALIVE,
    TimeToEvent,
    best_response_by_w12,
    censored_at_hsct,
    dor_time,
    efficacy_report,
    efs_time,
    has_hsct_in_first_year,
    has_mrd_negative_remission,
    km_report,
    orr,
    os_time,
    populations,
    visit_responses,
)
from endpoints.trial_data import (
    AssessmentData,
    DiseaseEventData,
    DoseLevelData,
    InfusionData,
    PatientData,
    StudyData,
    TrialData,
)

DAY0 = date(2024, 3, 12)
STUDY = StudyData("BOIN", 0.3, 28, (DoseLevelData("DL1", 1, 5.0e6, None),))
LATE_CUTOFF = DAY0 + timedelta(days=1000)


def day(n):
    return DAY0 + timedelta(days=n)


def patient(subject_id="RD-001", *assessments, infused_day=0, **fields):
    """Enrolled 8 days before and infused at DL1 on `infused_day`, with these assessments."""
    values = dict(subject_id=subject_id, enrollment_date=day(infused_day - 8),
                  off_study_date=None,
                  infusions=(InfusionData(1, day(infused_day), None, "DL1"),),
                  adverse_events=(), assessments=assessments, disease_events=(), hsct_date=None,
                  death_date=None, death_cause=None, last_contact_date=None, pk_samples=())
    values.update(fields)
    return PatientData(**values)


def assessed(on_day, response, visit="UNSCHEDULED", mrd_pct=None):
    return AssessmentData(visit, day(on_day), response, mrd_pct)


def relapse(on_day, kind="relapse"):
    return DiseaseEventData(day(on_day), kind)


def at(*patients, cutoff=LATE_CUTOFF):
    return TrialData(STUDY, patients).as_of(cutoff)


def follow_up(time):
    """(days, event, reason) of a TimeToEvent, None when the patient is not in the endpoint."""
    return None if time is None else (time.days, time.event, time.reason)


# --- Populations -------------------------------------------------------------------------------

def population_trial(cutoff):
    return at(
        patient("A", last_contact_date=day(60)),
        patient("B", infused_day=15, enrollment_date=day(-5)),
        patient("C", infused_day=20, enrollment_date=day(12)),
        patient("D", enrollment_date=None, infusions=()),
        cutoff=cutoff)


@pytest.mark.parametrize(("cutoff_day", "expected"), [
    (-6, {"enrolled": 1, "infused": 0, "dlt_evaluable": 0}),
    (10, {"enrolled": 2, "infused": 1, "dlt_evaluable": 0}),
    (20, {"enrolled": 3, "infused": 3, "dlt_evaluable": 0}),
    # A is followed to day 60; B and C have no record after their infusion.
    (60, {"enrolled": 3, "infused": 3, "dlt_evaluable": 1}),
])
@pytest.mark.requirement("END-POP-01", "END-POP-02", "END-POP-03")
def test_enrolled_infused_and_dlt_evaluable_at_the_cutoff(cutoff_day, expected):
    assert populations(population_trial(day(cutoff_day))) == expected


# --- ORR at a visit ----------------------------------------------------------------------------

@pytest.mark.requirement("END-ORR-01", "END-ORR-02", "END-ORR-03")
def test_orr_at_w4_counts_the_infused_and_treats_a_missing_visit_as_no_response():
    # given six infused patients and one enrolled but not infused
    trial = at(
        patient("CR", assessed(28, "CR", "W4")),
        patient("CRi", assessed(27, "CRi", "W4")),
        patient("PR", assessed(29, "PR", "W4")),
        patient("SD", assessed(28, "SD", "W4")),
        patient("no W4", assessed(56, "CR", "W8")),
        # day 40 is outside W4's window (28 ± 7) and still counts
        patient("late W4", assessed(40, "CR", "W4")),
        patient("not infused", assessed(28, "CR", "W4"), infusions=()),
    )
    # when
    w4 = orr(trial)["W4"]
    # then: 3/6 CR or CRi, 4/6 with PR; 3/6 has the exact interval (0.1181, 0.8819)
    assert w4 == {"cr_cri": clopper_pearson(3, 6).as_dict(),
                  "cr_cri_pr": clopper_pearson(4, 6).as_dict()}
    assert (w4["cr_cri"]["ci_low"], w4["cr_cri"]["ci_high"]) == pytest.approx((0.1181, 0.8819),
                                                                              abs=1e-4)


@pytest.mark.requirement("END-ORR-02")
def test_a_visit_not_yet_done_at_the_cutoff_is_no_response():
    # given W4 on day 28, cutoff on day 27
    w4 = orr(at(patient("A", assessed(28, "CR", "W4")), cutoff=day(27)))["W4"]
    # then
    assert (w4["cr_cri"]["n"], w4["cr_cri"]["k"]) == (1, 0)


@pytest.mark.parametrize(("visit", "k"), [("W4", 0), ("W8", 1), ("W12", 1)])
@pytest.mark.requirement("END-ORR-01")
def test_each_visit_reads_its_own_label(visit, k):
    p = patient("A", assessed(28, "SD", "W4"), assessed(56, "CR", "W8"),
                assessed(84, "CRi", "W12"))
    assert orr(at(p))[visit]["cr_cri"]["k"] == k


@pytest.mark.requirement("END-ORR-01")
def test_of_two_assessments_under_one_label_the_earliest_is_the_visits():
    p = patient("A", assessed(30, "CR", "W4"), assessed(26, "PR", "W4"))
    assert visit_responses(p) == {"W4": "PR"}


@pytest.mark.requirement("END-PROP-02")
def test_no_one_infused_gives_null_rates():
    assert orr(at())["W8"]["cr_cri"] == {"n": 0, "k": 0, "rate": None, "ci_low": None,
                                         "ci_high": None}


# --- Best response by W12 ----------------------------------------------------------------------

@pytest.mark.parametrize(("assessments", "best"), [
    ((assessed(28, "PR", "W4"), assessed(56, "CR", "W8")), "CR"),
    ((assessed(28, "SD", "W4"), assessed(91, "CR")), "CR"),
    ((assessed(28, "SD", "W4"), assessed(92, "CR")), "SD"),
    ((assessed(0, "CR"), assessed(28, "PD", "W4")), "PD"),
    ((assessed(100, "CRi", "W12"),), "CRi"),  # W12 out of window still counts
    ((assessed(80, "CR", "M6"), assessed(-5, "CR", "SCREENING")), None),
    ((assessed(28, "PR", "W4"), assessed(56, "CRi", "W8")), "CRi"),
    ((assessed(28, "CRi", "W4"), assessed(56, "CR", "W8")), "CR"),
    ((assessed(28, "SD", "W4"), assessed(56, "PR", "W8")), "PR"),
    ((assessed(28, "PD", "W4"), assessed(56, "SD", "W8")), "SD"),
    ((assessed(28, "NE", "W4"), assessed(56, "PD", "W8")), "PD"),
    ((assessed(28, "NE", "W4"),), "NE"),
])
@pytest.mark.requirement("END-ORR-04", "END-ORR-03")
def test_best_response_by_w12(assessments, best):
    assert best_response_by_w12(patient("A", *assessments)) == best


@pytest.mark.requirement("END-ORR-04")
def test_best_by_w12_uses_the_same_denominator():
    # given one CR by an unscheduled day-91 marrow, one with nothing before day 92
    trial = at(patient("A", assessed(91, "CR")), patient("B", assessed(92, "CR")))
    # then
    assert orr(trial)["best_by_W12"]["cr_cri"] == clopper_pearson(1, 2).as_dict()


# --- MRD-ORR and HSCT --------------------------------------------------------------------------

@pytest.mark.parametrize(("assessment", "counts"), [
    (assessed(28, "CR", mrd_pct=0.0099), True),
    (assessed(28, "CR", mrd_pct=0.01), False),  # exactly 0.01 is positive
    (assessed(28, "CRi", mrd_pct=0.0), True),
    (assessed(28, "CR", mrd_pct=None), False),  # a missing MRD is not negative
    (assessed(28, "PR", mrd_pct=0.0), False),
    (assessed(365, "CR", mrd_pct=0.0), True),
    (assessed(366, "CR", mrd_pct=0.0), False),
    (assessed(0, "CR", mrd_pct=0.0), False),
])
@pytest.mark.requirement("END-MRD-01")
def test_mrd_negative_remission_on_days_1_to_365(assessment, counts):
    assert has_mrd_negative_remission(patient("A", assessment)) is counts


@pytest.mark.requirement("END-MRD-01")
def test_mrd_orr_needs_mrd_negativity_at_a_cr_assessment_itself():
    # given MRD-negative at a PR, CR later with MRD missing: not an MRD-negative CR
    p = patient("A", assessed(28, "PR", mrd_pct=0.0), assessed(56, "CR", mrd_pct=None))
    report = efficacy_report(at(p, patient("B")))
    assert report["mrd_orr"] == clopper_pearson(0, 2).as_dict()


@pytest.mark.parametrize(("hsct_day", "counts"), [(1, True), (365, True), (366, False),
                                                  (0, False), (None, False)])
@pytest.mark.requirement("END-HSCT-01")
def test_hsct_on_days_1_to_365(hsct_day, counts):
    p = patient("A", hsct_date=None if hsct_day is None else day(hsct_day))
    assert has_hsct_in_first_year(p) is counts


@pytest.mark.requirement("END-HSCT-01", "END-TIME-02")
def test_an_hsct_after_the_cutoff_does_not_count():
    report = efficacy_report(at(patient("A", hsct_date=day(100)), cutoff=day(99)))
    assert report["hsct"] == clopper_pearson(0, 1).as_dict()


# --- DOR ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "expected"), [
    # Start at the first CR/CRi/PR on days 1…365 (day 56 here); the first disease event after it.
    ({"disease_events": (relapse(200), relapse(150, "progression"))},
     (150 - 56, True, "progression")),
    # A disease event before the start, or on the start date, is not an event.
    ({"disease_events": (relapse(20, "progression"),)},
     (180 - 56, False, CENSORED_LAST_ASSESSMENT)),
    ({"disease_events": (relapse(56),)}, (180 - 56, False, CENSORED_LAST_ASSESSMENT)),
    # Death from disease progression is an event; from any other cause, censored.
    ({"death_date": day(190), "death_cause": "disease_progression"},
     (190 - 56, True, "death (disease_progression)")),
    ({"death_date": day(190), "death_cause": "adverse_event"},
     (180 - 56, False, CENSORED_LAST_ASSESSMENT)),
    # Without an event: censored at the last response assessment (here SD on day 180).
    ({}, (180 - 56, False, CENSORED_LAST_ASSESSMENT)),
    ({"last_contact_date": day(400)}, (180 - 56, False, CENSORED_LAST_ASSESSMENT)),
])
@pytest.mark.requirement("END-DOR-01")
def test_dor(fields, expected):
    # given SD on day 28, PR on day 56, CR on day 84, SD on day 180
    p = patient("A", assessed(28, "SD", "W4"), assessed(56, "PR", "W8"),
                assessed(84, "CR", "W12"), assessed(180, "SD", "M6"), **fields)
    # then
    assert follow_up(dor_time(p)) == expected


@pytest.mark.parametrize(("assessments", "start_day"), [
    ((assessed(0, "CR"), assessed(28, "SD", "W4")), None),
    ((assessed(366, "PR"),), None),
    ((assessed(365, "PR"),), 365),
    ((assessed(1, "CRi"), assessed(28, "CR", "W4")), 1),
    ((assessed(28, "SD", "W4"), assessed(56, "PD", "W8")), None),
])
@pytest.mark.requirement("END-DOR-01")
def test_dor_starts_at_the_first_remission_on_days_1_to_365(assessments, start_day):
    time = dor_time(patient("A", *assessments))
    assert (None if time is None else (time.start - DAY0).days) == start_day


@pytest.mark.requirement("END-TTE-01")
def test_events_after_the_cutoff_are_not_counted():
    # given PR on day 56, CR on day 84, relapse on day 200; cutoff on day 150
    p = patient("A", assessed(56, "PR", "W8"), assessed(84, "CR", "W12"),
                disease_events=(relapse(200),))
    # when
    times = [dor_time(q) for q in at(p, cutoff=day(150)).infused]
    # then
    assert [follow_up(t) for t in times] == [(84 - 56, False, CENSORED_LAST_ASSESSMENT)]


@pytest.mark.requirement("END-TTE-02")
def test_an_event_on_the_start_date_gives_time_0_and_is_kept():
    # given CR on day 56 and death from progression the same day
    p = patient("A", assessed(56, "CR", "W8"), death_date=day(56),
                death_cause="disease_progression")
    # when
    report = efficacy_report(at(p))
    # then
    assert follow_up(dor_time(p)) == (0, True, "death (disease_progression)")
    assert (report["dor"]["n"], report["dor"]["events"]) == (1, 1)
    assert report["dor"]["curve"][0] == {"t": 0.0, "s": 0.0, "ci_low": 0.0, "ci_high": 0.0,
                                         "at_risk": 1, "events": 1, "censored": 0}


# --- EFS ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "expected"), [
    ({}, (180 - 84, False, CENSORED_LAST_ASSESSMENT)),
    ({"disease_events": (relapse(150),)}, (150 - 84, True, "relapse")),
    # Death of any cause is an EFS event.
    ({"death_date": day(190), "death_cause": "adverse_event"},
     (190 - 84, True, "death (adverse_event)")),
    ({"death_date": day(190), "death_cause": "unknown"}, (190 - 84, True, "death (unknown)")),
])
@pytest.mark.requirement("END-EFS-01")
def test_efs_starts_at_the_first_cr_or_cri(fields, expected):
    # given PR on day 56 (not an EFS start), CR on day 84, SD on day 180
    p = patient("A", assessed(56, "PR", "W8"), assessed(84, "CR", "W12"),
                assessed(180, "SD", "M6"), **fields)
    # then
    assert follow_up(efs_time(p)) == expected


@pytest.mark.requirement("END-EFS-01")
def test_a_partial_remission_alone_is_not_in_efs():
    assert efs_time(patient("A", assessed(56, "PR", "W8"))) is None


# --- OS ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "cutoff_day", "expected"), [
    ({"death_date": day(250), "death_cause": "other"}, 400, (250, True, "death (other)")),
    # Still in follow-up: censored at the last known alive date, a contact or any record.
    ({"last_contact_date": day(300)}, 400, (300, False, CENSORED_LAST_KNOWN_ALIVE)),
    ({"last_contact_date": day(300), "assessments": (assessed(320, "CR", "M9"),)}, 400,
     (320, False, CENSORED_LAST_KNOWN_ALIVE)),
    # Death after the cutoff, or known alive after it: censored at the cutoff.
    ({"last_contact_date": day(300), "death_date": day(500), "death_cause": "other"}, 400,
     (400, False, CENSORED_LAST_KNOWN_ALIVE)),
    ({"last_contact_date": day(450)}, 400, (400, False, CENSORED_LAST_KNOWN_ALIVE)),
    # Nothing after day 0: censored at time 0, kept.
    ({}, 400, (0, False, CENSORED_LAST_KNOWN_ALIVE)),
])
@pytest.mark.requirement("END-OS-01")
def test_os(fields, cutoff_day, expected):
    # given
    trial = at(patient("A", **fields), cutoff=day(cutoff_day))
    # when
    times = [os_time(p, trial.cutoff) for p in trial.infused]
    # then
    assert [follow_up(t) for t in times] == [expected]


# --- HSCT-censored variants --------------------------------------------------------------------

def remission(event, end_day, start_day=56):
    return TimeToEvent("A", day(start_day), day(end_day), event, "relapse" if event else
                       CENSORED_LAST_ASSESSMENT)


@pytest.mark.parametrize(("time", "hsct_day", "expected"), [
    # HSCT after the start and before the event: censored at the HSCT.
    (remission(True, 200), 100, (100 - 56, False, CENSORED_HSCT)),
    # HSCT after the event, on the event date, before or on the start date: no change.
    (remission(True, 200), 250, (200 - 56, True, "relapse")),
    (remission(True, 200), 200, (200 - 56, True, "relapse")),
    (remission(True, 200), 40, (200 - 56, True, "relapse")),
    (remission(True, 200), 56, (200 - 56, True, "relapse")),
    (remission(True, 200), None, (200 - 56, True, "relapse")),
    # No event: censored at the HSCT, even after the last assessment.
    (remission(False, 180), 100, (100 - 56, False, CENSORED_HSCT)),
    (remission(False, 80), 100, (100 - 56, False, CENSORED_HSCT)),
])
@pytest.mark.requirement("END-SENS-01")
def test_censored_at_hsct(time, hsct_day, expected):
    hsct_date = None if hsct_day is None else day(hsct_day)
    assert follow_up(censored_at_hsct(time, hsct_date)) == expected


@pytest.mark.requirement("END-SENS-01")
def test_both_hsct_variants_in_the_report():
    # given CR on day 28, HSCT on day 60, relapse on day 200; another CR with relapse first
    transplanted = patient("A", assessed(28, "CR", "W4"), assessed(100, "CR", "M6"),
                           hsct_date=day(60), disease_events=(relapse(200),))
    relapsed_first = patient("B", assessed(28, "CR", "W4"), hsct_date=day(150),
                             disease_events=(relapse(120),))
    # when
    report = efficacy_report(at(transplanted, relapsed_first))
    # then
    for name in ("dor", "efs"):
        assert (report[name]["n"], report[name]["events"]) == (2, 2)
        assert (report[f"{name}_censored_at_hsct"]["n"],
                report[f"{name}_censored_at_hsct"]["events"]) == (2, 1)


# --- Kaplan–Meier on the follow-ups ------------------------------------------------------------

@pytest.mark.requirement("END-KM-01")
def test_at_a_tied_time_events_come_before_censorings():
    # given one relapse and one censoring, both 100 days after the start
    times = [remission(True, 156), remission(False, 156)]
    # when
    km = km_report(times)
    # then: both at risk at t = 100, S = 1 − 1/2
    assert km["curve"][-1] == {"t": 100.0, "s": 0.5, "ci_low": km["curve"][-1]["ci_low"],
                               "ci_high": km["curve"][-1]["ci_high"], "at_risk": 2,
                               "events": 1, "censored": 1}
    assert km["median"] == 100.0


def test_follow_up_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="RD-009"):
        TimeToEvent("RD-009", day(10), day(9), False, CENSORED_LAST_ASSESSMENT)


def test_the_efficacy_blocks_of_the_report():
    report = efficacy_report(at(patient("A")))
    assert list(report) == ["orr", "mrd_orr", "hsct", "dor", "efs", "os",
                            "dor_censored_at_hsct", "efs_censored_at_hsct"]
    assert list(report["orr"]) == ["W4", "W8", "W12", "best_by_W12"]
