"""The report's tables as shown: percentages, exact intervals, NR and dashes. No database."""

from reporting.tables import dlt_table, interval, number, percent, time_to_event_table


def km(median, low, high, rates):
    return {"n": 8, "events": 3, "median": median, "median_ci": [low, high],
            "rate_at": rates, "curve": []}


def test_rates_and_intervals_are_percentages_with_one_decimal():
    assert (percent(0.7), percent(None)) == ("70.0%", "—")
    assert interval(0.34750, 0.93330) == "34.8–93.3%"
    assert interval(None, None) == "—"
    assert (number(3), number(240.0), number(None)) == ("3", "240", "—")
    assert (number(123456.7), number(231874.0), number(0.705)) == ("1.23e+05", "2.32e+05",
                                                                    "0.705")


def test_a_median_not_reached_reads_nr_and_an_unestimable_rate_a_dash():
    report = {key: km(240.0, 131.0, None, {"182": 0.71, "365": None})
              for key in ("dor", "efs", "os", "dor_censored_at_hsct", "efs_censored_at_hsct")}
    first = time_to_event_table(report).rows[0]
    assert first == ("DOR", "8", "3", "240", "131–NR", "71.0%", "—")


def test_the_dlt_table_has_a_row_per_level_and_the_overall_rate_with_all_pending():
    levels = [{"dose_level": "DL1", "cells_per_kg": 5.0e6, "total_cells": None, "infused": 3,
               "evaluable": 3, "dlt": 0, "rate": 0.0, "ci_low": 0.0, "ci_high": 0.7076,
               "pending": 1},
              {"dose_level": "DL2", "cells_per_kg": None, "total_cells": 4.0e8, "infused": 2,
               "evaluable": 1, "dlt": 1, "rate": 1.0, "ci_low": 0.025, "ci_high": 1.0,
               "pending": 2}]
    report = {"dlt": {"by_dose_level": levels, "overall": {
        "n": 4, "k": 1, "rate": 0.25, "ci_low": 0.0063, "ci_high": 0.8059}}}
    rows = dlt_table(report).rows
    assert rows[0] == ("DL1", "5.0e+06 cells/kg", "3", "3", "0", "0.0%", "0.0–70.8%", "1")
    assert rows[1][1] == "4.0e+08 cells"
    assert rows[2] == ("All levels", "", "", "4", "1", "25.0%", "0.6–80.6%", "3")
