"""Visit and PK windows, and what the casebook shows as upcoming, due, done, late or missed."""

import subprocess
import sys
from datetime import date, timedelta

import pytest

from patients.schedule import (
    PK_NOMINAL_DAYS,
    out_of_window,
    pk_out_of_window,
    pk_statuses,
    study_day,
    visit_statuses,
)

DAY0 = date(2024, 3, 12)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def status_of(visit, statuses):
    return next(s for s in statuses if s.visit == visit)


@pytest.mark.requirement("CLIN-VIS-01", "END-TIME-01")
def test_study_day_counts_from_the_infusion():
    assert [study_day(DAY0, day(n)) for n in (-3, 0, 28)] == [-3, 0, 28]


@pytest.mark.parametrize(("visit", "held_on_day", "outside"), [
    ("W4", 20, True), ("W4", 21, False), ("W4", 28, False), ("W4", 35, False), ("W4", 36, True),
    ("W8", 48, True), ("W8", 49, False), ("W8", 63, False), ("W8", 64, True),
    ("W12", 77, False), ("W12", 92, True),
    ("M6", 167, True), ("M6", 168, False), ("M6", 196, False), ("M6", 197, True),
    ("M9", 259, False), ("M9", 288, True),
    ("M12", 351, False), ("M12", 379, False), ("M12", 380, True),
    ("SCREENING", -20, False),    # no window relative to the infusion
    ("UNSCHEDULED", 100, False),
])
@pytest.mark.requirement("CLIN-VIS-02")
def test_response_visit_windows(visit, held_on_day, outside):
    assert out_of_window(visit, held_on_day) is outside


@pytest.mark.parametrize(("nominal_day", "collected_on_day", "outside"), [
    (0, 0, False), (0, 1, True),        # pre-infusion: the same day only
    (1, 1, False), (1, 2, True),
    (4, 3, False), (4, 5, False), (4, 2, True),
    (14, 15, False), (14, 16, True),
    (21, 19, False), (21, 18, True),
    (28, 30, False), (28, 31, True),
    (56, 49, False), (56, 48, True),    # from day 56 on, the response-visit windows
    (365, 379, False), (365, 380, True),
])
@pytest.mark.requirement("CLIN-VIS-03")
def test_pk_windows(nominal_day, collected_on_day, outside):
    assert pk_out_of_window(nominal_day, collected_on_day) is outside


@pytest.mark.requirement("CLIN-VIS-03")
def test_the_pk_schedule():
    assert PK_NOMINAL_DAYS == (0, 1, 4, 7, 10, 14, 21, 28, 56, 84, 182, 365)


@pytest.mark.parametrize("call", [lambda: out_of_window("W5", 30),
                                  lambda: pk_out_of_window(3, 3)])
def test_unknown_visits_are_refused(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(("as_of_day", "status"), [
    (20, "upcoming"),
    (21, "due"),      # the window opens on day 21
    (35, "due"),      # and closes after day 35
    (36, "late"),     # still worth doing, out of window
    (48, "late"),
    (49, "missed"),   # W8's window has opened
])
@pytest.mark.requirement("CLIN-VIS-04")
def test_w4_status_through_time(as_of_day, status):
    statuses = visit_statuses(DAY0, day(as_of_day), done={})
    assert status_of("W4", statuses).status == status


@pytest.mark.requirement("CLIN-VIS-04")
def test_the_last_visit_is_late_for_as_long_as_its_plus_window():
    # given M12 at day 365 ± 14, not done
    def m12(as_of_day):
        return status_of("M12", visit_statuses(DAY0, day(as_of_day), done={})).status
    # then it is late on days 380–393 and missed from day 394
    assert (m12(379), m12(380), m12(393), m12(394)) == ("due", "late", "late", "missed")


@pytest.mark.requirement("CLIN-VIS-04")
def test_a_done_visit_carries_its_date_and_window():
    w4 = status_of("W4", visit_statuses(DAY0, day(40), done={"W4": [day(30)]}))
    assert (w4.status, w4.done_date, w4.out_of_window) == ("done", day(30), False)
    assert (w4.target_day, w4.window_low_day, w4.window_high_day) == (28, 21, 35)
    assert (w4.due_from, w4.due_to) == (day(21), day(35))


@pytest.mark.requirement("CLIN-VIS-04")
def test_a_visit_done_after_its_window_is_done_and_out_of_window():
    w4 = status_of("W4", visit_statuses(DAY0, day(60), done={"W4": [day(40)]}))
    assert (w4.status, w4.out_of_window) == ("done", True)


def test_of_several_dates_the_one_in_the_window_counts():
    w4 = status_of("W4", visit_statuses(DAY0, day(60), done={"W4": [day(19), day(34), day(29)]}))
    assert (w4.done_date, w4.out_of_window) == (day(29), False)


@pytest.mark.parametrize(("end_day", "w4_status"), [
    (30, "not_expected"),   # died inside the window, before it closed
    (34, "not_expected"),
    (35, "missed"),         # alive through the whole window
])
def test_visits_after_the_end_are_not_expected(end_day, w4_status):
    # given a patient who died or went off study on end_day, with no W4 assessment
    statuses = visit_statuses(DAY0, day(400), done={}, end_date=day(end_day))
    # then W4 is owed only if the patient lived through its window, and nothing later is
    assert status_of("W4", statuses).status == w4_status
    assert {s.status for s in statuses if s.visit != "W4"} == {"not_expected"}


def test_a_visit_done_before_the_end_stays_done():
    statuses = visit_statuses(DAY0, day(400), done={"W4": [day(28)]}, end_date=day(30))
    assert status_of("W4", statuses).status == "done"


@pytest.mark.requirement("CLIN-VIS-04")
def test_statuses_cover_every_response_visit_in_order():
    statuses = visit_statuses(DAY0, day(0), done={})
    assert [s.visit for s in statuses] == ["W4", "W8", "W12", "M6", "M9", "M12"]
    assert {s.status for s in statuses} == {"upcoming"}


@pytest.mark.parametrize(("as_of_day", "expected"), [
    (0, {0: "due", 1: "upcoming"}),
    (1, {0: "missed", 1: "due"}),     # a pre-infusion sample cannot be drawn late
    (2, {0: "missed", 1: "late"}),
    (3, {0: "missed", 1: "missed", 4: "due"}),
])
@pytest.mark.requirement("CLIN-VIS-04")
def test_pk_statuses_keyed_by_nominal_day(as_of_day, expected):
    statuses = pk_statuses(DAY0, day(as_of_day), done={})
    assert {d: status_of(d, statuses).status for d in expected} == expected


def test_a_pk_sample_collected_is_done():
    statuses = pk_statuses(DAY0, day(10), done={7: [day(9)]})
    seven = status_of(7, statuses)
    assert (seven.status, seven.out_of_window) == ("done", True)


def test_it_imports_nothing_from_django():
    code = ("import sys, patients.schedule; "
            "sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
