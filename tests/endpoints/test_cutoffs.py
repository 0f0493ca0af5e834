"""The rule every report applies to its data cutoff: a date from 1900-01-01 to today."""

from datetime import date

import pytest

from endpoints.cutoffs import CutoffRefused, checked_cutoff, cutoff_refusal

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("cutoff", [TODAY, date(2025, 6, 30), date(1900, 1, 1)])
def test_a_cutoff_up_to_today_is_taken(cutoff):
    assert cutoff_refusal(cutoff, today=TODAY) is None
    assert checked_cutoff(cutoff, today=TODAY) == cutoff


@pytest.mark.parametrize(("cutoff", "message"), [
    (date(2026, 12, 2), "cutoff: 2026-12-02 is after today (2026-12-01); a report cannot be "
                        "cut at a date whose data are not entered yet."),
    (date(9999, 12, 31), "cutoff: 9999-12-31 is after today (2026-12-01); a report cannot be "
                         "cut at a date whose data are not entered yet."),
    (date(1899, 12, 31), "cutoff: 1899-12-31 is before 1900-01-01, the earliest clinical date."),
    (date(1, 1, 1), "cutoff: 0001-01-01 is before 1900-01-01, the earliest clinical date."),
])
def test_a_cutoff_after_today_or_before_1900_is_refused_naming_the_rule(cutoff, message):
    assert cutoff_refusal(cutoff, today=TODAY) == message
    with pytest.raises(CutoffRefused, match="^cutoff: "):
        checked_cutoff(cutoff, today=TODAY)
