"""Day 0, the last known alive date and the cutoff on the endpoint inputs (endpoints/trial_data.py;
docs/spec/endpoints.md, "Time, populations and the cutoff"). No database."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

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

DAY0 = date(2024, 3, 12)
FAR_CUTOFF = date(2030, 1, 1)


def day(n):
    return DAY0 + timedelta(days=n)


def patient(**fields):
    """Enrolled 8 days before DAY0 and infused at DL1 on DAY0, with nothing else recorded."""
    values = dict(subject_id="RD-001", enrollment_date=day(-8), off_study_date=None,
                  infusions=(InfusionData(1, DAY0, None, "DL1"),), adverse_events=(),
                  assessments=(), disease_events=(), hsct_date=None, death_date=None,
                  death_cause=None, last_contact_date=None, pk_samples=())
    values.update(fields)
    return PatientData(**values)


def ae(onset, resolution=None):
    return AdverseEventData("Fatigue", 1, day(onset), resolution and day(resolution), False, None)


def assessment(on, visit="W4"):
    return AssessmentData(visit, day(on), "CR", None)


def pk_sample(collected_at):
    return PkSampleData(7, collected_at, "peripheral_blood", 100.0, False, None)


def utc_noon(n):
    return datetime.combine(day(n), time(12), tzinfo=UTC)


# --- Day 0 -------------------------------------------------------------------------------------

@pytest.mark.requirement("END-TIME-01")
def test_day0_is_the_date_of_infusion_number_1():
    # given a second infusion two months later
    p = patient(infusions=(InfusionData(1, DAY0, None, "DL1"),
                           InfusionData(2, day(60), None, "DL2")))
    # then
    assert p.day0 == DAY0
    assert p.study_day(day(60)) == 60


@pytest.mark.requirement("END-TIME-01")
def test_day0_is_none_before_any_infusion():
    assert patient(infusions=()).day0 is None


# --- Last known alive date ---------------------------------------------------------------------

@pytest.mark.parametrize(("latest_record", "expected_day"), [
    ({"last_contact_date": day(100)}, 100),
    ({"assessments": (assessment(120),)}, 120),
    ({"adverse_events": (ae(130),)}, 130),
    ({"adverse_events": (ae(130, resolution=140),)}, 140),
    ({"pk_samples": (pk_sample(utc_noon(150)),)}, 150),
    ({"disease_events": (DiseaseEventData(day(160), "relapse"),)}, 160),
    ({"hsct_date": day(170)}, 170),
    ({"infusions": (InfusionData(1, DAY0, None, "DL1"),
                    InfusionData(2, day(180), None, "DL1"))}, 180),
])
@pytest.mark.requirement("END-TIME-03")
def test_last_known_alive_date_is_the_latest_of_contact_and_every_dated_record(
        latest_record, expected_day):
    # given a contact on day 90 and one later record
    p = patient(**{"last_contact_date": day(90), **latest_record})
    # then
    assert p.last_known_alive_date(FAR_CUTOFF) == day(expected_day)


def test_an_off_study_date_is_not_a_day_the_patient_was_seen_alive():
    # given lost to follow-up: taken off study on day 200, last seen on day 100
    p = patient(last_contact_date=day(100), off_study_date=day(200))
    # then
    assert p.last_known_alive_date(FAR_CUTOFF) == day(100)


@pytest.mark.parametrize("after_cutoff", [
    {"last_contact_date": day(400)},
    {"assessments": (assessment(400, "M12"),)},
    {"death_date": day(400), "death_cause": "other"},
])
@pytest.mark.requirement("END-TIME-03")
def test_a_patient_known_alive_after_the_cutoff_is_known_alive_on_the_cutoff(after_cutoff):
    # given last seen on day 100 before the cutoff (day 300), then something on day 400
    p = patient(**{"assessments": (assessment(100),), **after_cutoff})
    # then
    assert p.last_known_alive_date(day(300)) == day(300)


@pytest.mark.requirement("END-TIME-03")
def test_a_death_on_or_before_the_cutoff_leaves_the_last_record_as_last_known_alive():
    p = patient(assessments=(assessment(100),), death_date=day(150), death_cause="other")
    assert p.last_known_alive_date(day(300)) == day(100)


def test_a_patient_with_no_dated_record_has_no_last_known_alive_date():
    assert patient(infusions=()).last_known_alive_date(FAR_CUTOFF) is None


# --- The cutoff --------------------------------------------------------------------------------

CUTOFF_DAY = 100


@pytest.mark.parametrize(("field", "on_cutoff", "after_cutoff"), [
    ("infusions", InfusionData(2, day(100), None, "DL1"), InfusionData(2, day(101), None, "DL1")),
    ("adverse_events", ae(100), ae(101)),
    ("assessments", assessment(100), assessment(101)),
    ("disease_events", DiseaseEventData(day(100), "relapse"),
     DiseaseEventData(day(101), "relapse")),
    ("pk_samples", pk_sample(datetime.combine(day(100), time(23, 59), tzinfo=UTC)),
     pk_sample(datetime.combine(day(101), time(0, 0), tzinfo=UTC))),
])
@pytest.mark.requirement("END-TIME-02")
def test_records_dated_after_the_cutoff_are_dropped_and_those_on_it_kept(
        field, on_cutoff, after_cutoff):
    # given
    base = patient().infusions if field == "infusions" else ()
    p = patient(**{field: (*base, on_cutoff, after_cutoff)})
    # when
    at_cutoff = p.as_of(day(CUTOFF_DAY))
    # then
    assert getattr(at_cutoff, field) == (*base, on_cutoff)


@pytest.mark.parametrize("field", ["hsct_date", "off_study_date", "enrollment_date"])
@pytest.mark.requirement("END-TIME-02")
def test_single_dates_after_the_cutoff_are_dropped(field):
    # given
    p = patient(**{field: day(101)})
    # then
    assert getattr(p.as_of(day(100)), field) is None
    assert getattr(p.as_of(day(101)), field) == day(101)


@pytest.mark.requirement("END-TIME-02", "END-POP-02")
def test_an_infusion_after_the_cutoff_means_not_yet_infused():
    p = patient(infusions=(InfusionData(1, day(5), None, "DL1"),))
    assert p.as_of(day(4)).day0 is None


@pytest.mark.requirement("END-TIME-02")
def test_an_adverse_event_resolved_after_the_cutoff_is_still_open_at_the_cutoff():
    # given onset day 90, resolved day 110
    p = patient(adverse_events=(ae(90, resolution=110),))
    # when
    at_cutoff = p.as_of(day(100))
    # then
    assert at_cutoff.adverse_events == (ae(90),)


@pytest.mark.requirement("END-TIME-02", "END-TIME-03")
def test_a_death_after_the_cutoff_is_dropped_and_leaves_the_patient_alive_on_the_cutoff():
    # given last seen day 50, died day 150
    p = patient(last_contact_date=day(50), death_date=day(150), death_cause="other")
    # when
    at_cutoff = p.as_of(day(100))
    # then
    assert (at_cutoff.death_date, at_cutoff.death_cause) == (None, None)
    assert at_cutoff.last_contact_date == day(100)
    assert at_cutoff.last_known_alive_date(day(100)) == day(100)


def test_nothing_after_the_cutoff_leaves_the_record_as_it_is():
    p = patient(assessments=(assessment(100),), last_contact_date=day(90))
    assert p.as_of(day(100)) is p


def test_a_pk_sample_is_dated_by_its_utc_collection_date():
    # given collected at 01:00 in UTC+8 on day 101, which is 17:00 UTC on day 100
    beijing = timezone(timedelta(hours=8))
    sample = pk_sample(datetime.combine(day(101), time(1), tzinfo=beijing))
    # then
    assert sample.collected_on == day(100)
    assert patient(pk_samples=(sample,)).as_of(day(100)).pk_samples == (sample,)


def test_a_pk_collection_time_without_a_zone_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        pk_sample(datetime.combine(day(1), time(9)))


def test_dose_levels_must_come_in_rank_order():
    with pytest.raises(ValueError, match="sorted by rank"):
        StudyData("BOIN", 0.3, 28, (DoseLevelData("DL2", 2, None, 4e8),
                                    DoseLevelData("DL1", 1, 5e6, None)))


def test_the_trial_at_the_cutoff_keeps_the_infused_set_apart():
    # given one patient infused on DAY0 and one on day 10
    study = StudyData("BOIN", 0.3, 28, (DoseLevelData("DL1", 1, 5e6, None),))
    early = patient(subject_id="RD-001")
    late = patient(subject_id="RD-002", infusions=(InfusionData(1, day(10), None, "DL1"),))
    # when
    at_cutoff = TrialData(study, (early, late)).as_of(day(9))
    # then
    assert at_cutoff.cutoff == day(9)
    assert [p.subject_id for p in at_cutoff.patients] == ["RD-001", "RD-002"]
    assert [p.subject_id for p in at_cutoff.infused] == ["RD-001"]
