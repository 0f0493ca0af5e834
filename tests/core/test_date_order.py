from datetime import date

from core.date_order import Timeline, onset_resolution_problems, timeline_problems

D = date.fromisoformat


def test_a_timeline_in_order_has_no_problems():
    timeline = Timeline(consent_date=D("2024-03-01"), enrollment_date=D("2024-03-04"),
                        lymphodepletion_start=("ld", D("2024-03-07")),
                        infusion_dates=(("inf1", D("2024-03-12")),), death_date=D("2025-01-10"),
                        clinical_dates=(("ae", D("2025-01-10")),))
    assert timeline_problems(timeline) == []


def test_enrollment_before_consent_is_named_with_the_rule():
    problems = timeline_problems(Timeline(consent_date=D("2024-03-04"),
                                          enrollment_date=D("2024-03-01")))
    assert [(p.path, p.other) for p in problems] == [("enrollment_date", "consent_date")]
    assert "consent ≤ enrollment" in problems[0].message


def test_infusion_before_lymphodepletion():
    problems = timeline_problems(Timeline(lymphodepletion_start=("ld", D("2024-03-07")),
                                          infusion_dates=(("inf1", D("2024-03-06")),)))
    assert [(p.path, p.other) for p in problems] == [("inf1", "ld")]


def test_records_after_death_are_each_named():
    problems = timeline_problems(Timeline(death_date=D("2024-05-01"),
                                          clinical_dates=(("ae", D("2024-05-02")),
                                                          ("pk", D("2024-05-01")))))
    assert [p.path for p in problems] == ["ae"]
    assert "nothing clinical after death" in problems[0].message


def test_resolution_before_onset():
    assert onset_resolution_problems(D("2024-03-05"), D("2024-03-04"))[0].path == "resolution_date"
    assert onset_resolution_problems(D("2024-03-05"), D("2024-03-05")) == []
    assert onset_resolution_problems(D("2024-03-05"), None) == []


def test_no_date_may_come_after_today():
    problems = timeline_problems(Timeline(consent_date=D("2024-03-01"),
                                          infusion_dates=(("inf1", D("2024-03-12")),),
                                          clinical_dates=(("ae", D("2024-03-13")),),
                                          today=D("2024-03-12")))
    assert [p.path for p in problems] == ["ae"]
    assert problems[0].message == ("2024-03-13 is after the cutoff of 2024-03-12: a record cannot "
                                   "be dated in the future")
