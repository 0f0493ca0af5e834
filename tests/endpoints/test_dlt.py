"""DLT-evaluable, DLT rate per dose level, pending candidates and the escalation block
(endpoints/dlt.py; docs/spec/endpoints.md, "DLT-evaluable" and "Safety (primary)").
No database."""

from datetime import date, timedelta

import pytest

from endpoints.dlt import current_dose_level, dlt_report, is_dlt_evaluable
from endpoints.trial_data import (
    AdverseEventData,
    DoseLevelData,
    InfusionData,
    PatientData,
    StudyData,
    TrialData,
)

DAY0 = date(2024, 3, 12)
LEVELS = (DoseLevelData("DL1", 1, 5.0e6, None), DoseLevelData("DL2", 2, None, 4.0e8),
          DoseLevelData("DL3", 3, 2.0e7, None))
WINDOW = 28
LATE_CUTOFF = DAY0 + timedelta(days=400)


def day(n):
    return DAY0 + timedelta(days=n)


def patient(subject_id="RD-001", *, level="DL1", infused_day=0, **fields):
    """Infused at `level` on `infused_day` (days from DAY0), nothing else unless given."""
    values = dict(subject_id=subject_id, enrollment_date=day(infused_day - 8),
                  off_study_date=None,
                  infusions=(InfusionData(1, day(infused_day), None, level),),
                  adverse_events=(), assessments=(), disease_events=(), hsct_date=None,
                  death_date=None, death_cause=None, last_contact_date=None, pk_samples=())
    values.update(fields)
    return PatientData(**values)


def followed(subject_id="RD-001", *, to_day=60, **fields):
    """A patient last seen alive on `to_day`."""
    return patient(subject_id, last_contact_date=day(to_day), **fields)


def ae(onset_day, adjudication=None, *, flagged=True):
    return AdverseEventData("Cytokine release syndrome", 4, day(onset_day), None, flagged,
                            adjudication)


def confirmed(onset_day):
    return ae(onset_day, "confirmed")


def report(*patients, design="BOIN", cutoff=LATE_CUTOFF):
    study = StudyData(design, 0.3, WINDOW, LEVELS)
    return dlt_report(TrialData(study, patients).as_of(cutoff))


def row(block, code):
    return next(r for r in block["by_dose_level"] if r["dose_level"] == code)


# --- DLT-evaluable -----------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "evaluable"), [
    # A confirmed DLT inside the window makes the patient evaluable, however short the follow-up.
    ({"adverse_events": (confirmed(10),), "last_contact_date": day(10)}, True),
    ({"adverse_events": (confirmed(10),), "death_date": day(12), "death_cause": "adverse_event"},
     True),
    ({"adverse_events": (confirmed(0),), "last_contact_date": day(3)}, True),
    ({"adverse_events": (confirmed(28),), "last_contact_date": day(28)}, True),
    # Followed through the whole window: last known alive on day 28 or later.
    ({"last_contact_date": day(28)}, True),
    ({"last_contact_date": day(27)}, False),
    ({"assessments": (), "adverse_events": (ae(35, flagged=False),)}, True),
    # Died or left the study inside the window (days 0…28, both ends) without a DLT.
    ({"death_date": day(20), "death_cause": "adverse_event"}, False),
    ({"death_date": day(28), "death_cause": "other", "last_contact_date": day(28)}, False),
    ({"off_study_date": day(15), "last_contact_date": day(40)}, False),
    ({"off_study_date": day(28), "last_contact_date": day(28)}, False),
    ({"off_study_date": day(29), "last_contact_date": day(29)}, True),
    # A death after the window: the patient lived through it, however sparse the records.
    ({"death_date": day(29), "death_cause": "other", "last_contact_date": day(20)}, True),
    # Candidates that are not confirmed DLTs do not replace the follow-up.
    ({"adverse_events": (ae(5, "rejected"),), "last_contact_date": day(20)}, False),
    ({"adverse_events": (ae(5),), "last_contact_date": day(20)}, False),
    # A confirmation outside the window is not a DLT.
    ({"adverse_events": (confirmed(29),), "last_contact_date": day(29)}, True),
    ({"adverse_events": (confirmed(29),), "death_date": day(29), "death_cause": "other"}, True),
    ({"adverse_events": (confirmed(-1),), "last_contact_date": day(10)}, False),
])
@pytest.mark.requirement("END-POP-03")
def test_dlt_evaluable(fields, evaluable):
    # given
    p = patient(**fields)
    # then
    assert is_dlt_evaluable(p, WINDOW, LATE_CUTOFF) is evaluable


@pytest.mark.requirement("END-POP-03")
def test_a_patient_not_infused_is_not_dlt_evaluable():
    assert not is_dlt_evaluable(patient(infusions=(), last_contact_date=day(60)), WINDOW,
                                LATE_CUTOFF)


@pytest.mark.requirement("END-POP-03", "CLIN-GEN-02")
def test_the_window_is_the_study_setting():
    assert is_dlt_evaluable(patient(last_contact_date=day(21)), 21, LATE_CUTOFF)
    assert not is_dlt_evaluable(patient(last_contact_date=day(20)), 21, LATE_CUTOFF)


@pytest.mark.requirement("END-POP-03", "END-TIME-02")
def test_follow_up_after_the_cutoff_does_not_make_a_patient_evaluable_yet():
    # given followed to day 60, cutoff on day 20
    block = report(followed(to_day=60), cutoff=day(20))
    # then
    assert (row(block, "DL1")["infused"], row(block, "DL1")["evaluable"]) == (1, 0)


@pytest.mark.requirement("END-DLT-03", "END-TIME-02")
def test_a_dlt_with_onset_after_the_cutoff_is_not_counted():
    # given a confirmed DLT on day 10, cutoff on day 9
    block = report(followed(to_day=9, adverse_events=(confirmed(10),)), cutoff=day(9))
    # then
    assert (row(block, "DL1")["evaluable"], row(block, "DL1")["dlt"]) == (0, 0)


# --- DLT rate per dose level and overall ------------------------------------------------------

@pytest.mark.requirement("END-DLT-03")
def test_dlt_rate_per_level_with_the_exact_interval():
    # given three evaluable at DL1, one with a DLT, and one infused at DL1 who died on day 5
    block = report(followed("A", adverse_events=(confirmed(3),)), followed("B"), followed("C"),
                   patient("D", death_date=day(5), death_cause="adverse_event"))
    # then: 1/3, Clopper–Pearson 95% (0.0084, 0.9057)
    dl1 = row(block, "DL1")
    assert (dl1["infused"], dl1["evaluable"], dl1["dlt"]) == (4, 3, 1)
    assert dl1["rate"] == pytest.approx(1 / 3)
    assert (dl1["ci_low"], dl1["ci_high"]) == pytest.approx((0.0084, 0.9057), abs=1e-4)
    assert block["overall"] == {"n": 3, "k": 1, "rate": pytest.approx(1 / 3),
                                "ci_low": dl1["ci_low"], "ci_high": dl1["ci_high"]}


@pytest.mark.requirement("END-DLT-03")
def test_a_patient_counts_once_at_the_level_of_the_first_infusion():
    # given first infused at DL1, re-infused at DL2 on day 10, two confirmed DLTs
    p = followed(infusions=(InfusionData(1, DAY0, None, "DL1"), InfusionData(2, day(10), None,
                                                                              "DL2")),
                 adverse_events=(confirmed(5), confirmed(14)))
    # when
    block = report(p)
    # then
    assert [(r["dose_level"], r["infused"], r["evaluable"], r["dlt"])
            for r in block["by_dose_level"]] == [("DL1", 1, 1, 1), ("DL2", 0, 0, 0),
                                                 ("DL3", 0, 0, 0)]
    assert (block["overall"]["n"], block["overall"]["k"]) == (1, 1)


@pytest.mark.requirement("CON-REP-05")
def test_every_defined_dose_level_has_a_row_in_rank_order_with_its_dose():
    # given one patient at DL2 only
    block = report(followed(level="DL2"))
    # then
    assert [(r["dose_level"], r["cells_per_kg"], r["total_cells"])
            for r in block["by_dose_level"]] == [("DL1", 5.0e6, None), ("DL2", None, 4.0e8),
                                                 ("DL3", 2.0e7, None)]
    dl3 = row(block, "DL3")
    assert (dl3["evaluable"], dl3["rate"], dl3["ci_low"], dl3["ci_high"]) == (0, None, None, None)
    # 0/1: ci_low exactly 0, ci_high 1 − 0.025^(1/1)
    dl2 = row(block, "DL2")
    assert (dl2["rate"], dl2["ci_low"], dl2["ci_high"]) == (0.0, 0.0, pytest.approx(0.975))


def test_a_first_infusion_at_an_undefined_dose_level_is_an_error():
    with pytest.raises(ValueError, match="DL9"):
        report(followed(level="DL9"))


# --- Pending candidates ------------------------------------------------------------------------

@pytest.mark.requirement("END-DLT-02")
def test_pending_counts_flagged_adverse_events_not_yet_adjudicated():
    # given two open candidates on one patient, one on another, and three that are not pending
    block = report(
        followed("A", adverse_events=(ae(3), ae(9), ae(4, "confirmed"), ae(6, "rejected"))),
        followed("B", adverse_events=(ae(12), ae(20, flagged=False))))
    # then: candidate AEs, not patients
    assert row(block, "DL1")["pending"] == 3


@pytest.mark.requirement("END-DLT-02", "END-TIME-02")
def test_a_candidate_with_onset_after_the_cutoff_is_not_pending():
    block = report(followed(adverse_events=(ae(3), ae(11))), cutoff=day(10))
    assert row(block, "DL1")["pending"] == 1


@pytest.mark.requirement("END-DLT-02")
def test_pending_is_counted_at_the_level_of_the_first_infusion():
    p = followed(infusions=(InfusionData(1, DAY0, None, "DL2"),
                            InfusionData(2, day(2), None, "DL3")), adverse_events=(ae(5),))
    block = report(p)
    assert [r["pending"] for r in block["by_dose_level"]] == [0, 1, 0]


# --- Escalation --------------------------------------------------------------------------------

def trial_at(*patients, cutoff=LATE_CUTOFF):
    return TrialData(StudyData("BOIN", 0.3, WINDOW, LEVELS), patients).as_of(cutoff)


@pytest.mark.parametrize(("patients", "current"), [
    # The latest first infusion decides; a later re-infusion of an earlier patient does not.
    ((patient("A", level="DL1"), patient("B", level="DL2", infused_day=30)), "DL2"),
    ((patient("A", level="DL2", infused_day=30),
      patient("B", level="DL1", infusions=(InfusionData(1, DAY0, None, "DL1"),
                                           InfusionData(2, day(60), None, "DL3")))), "DL2"),
    # Same day at two levels: the higher one, whatever the order of the records.
    ((patient("A", level="DL2", infused_day=30), patient("B", level="DL1", infused_day=30)),
     "DL2"),
    ((patient("A", level="DL1", infused_day=30), patient("B", level="DL2", infused_day=30)),
     "DL2"),
    ((), None),
])
@pytest.mark.requirement("END-ESC-04")
def test_current_dose_level_is_that_of_the_most_recently_infused_patient(patients, current):
    assert current_dose_level(trial_at(*patients)) == current


@pytest.mark.requirement("END-ESC-04", "END-TIME-02")
def test_an_infusion_after_the_cutoff_does_not_move_the_current_level():
    patients = (patient("A", level="DL1"), patient("B", level="DL2", infused_day=30))
    assert current_dose_level(trial_at(*patients, cutoff=day(29))) == "DL1"


@pytest.mark.requirement("END-ESC-08")
def test_boin_escalates_from_zero_of_three():
    # given three evaluable at DL1 without DLT, φ = 0.3
    escalation = report(followed("A"), followed("B"), followed("C"))["escalation"]
    # then
    assert escalation["design"] == "BOIN"
    assert (escalation["lambda_e"], escalation["lambda_d"]) == pytest.approx((0.23649, 0.35852),
                                                                            abs=1e-5)
    assert (escalation["current_dose_level"], escalation["decision"]) == ("DL1", "escalate")
    assert escalation["mtd"] == "DL1"
    assert escalation["three_plus_three_mtd"] is None


@pytest.mark.requirement("END-ESC-08")
def test_three_plus_three_adds_three_after_one_of_three():
    # given three evaluable at DL1, one with a DLT
    escalation = report(followed("A", adverse_events=(confirmed(3),)), followed("B"),
                        followed("C"), design="3+3")["escalation"]
    # then
    assert escalation["design"] == "3+3"
    assert (escalation["lambda_e"], escalation["lambda_d"]) == (None, None)
    assert escalation["decision"] == "add_three"


@pytest.mark.requirement("CON-REP-07")
def test_before_anyone_is_infused_there_is_no_decision():
    # given an enrolled patient infused after the cutoff
    escalation = report(patient(infused_day=30), cutoff=day(10))["escalation"]
    # then
    assert escalation == {"design": "BOIN", "target": 0.3,
                          "lambda_e": pytest.approx(0.23649, abs=1e-5),
                          "lambda_d": pytest.approx(0.35852, abs=1e-5),
                          "current_dose_level": None, "decision": None, "eliminated": [],
                          "mtd": None, "three_plus_three_mtd": None}
