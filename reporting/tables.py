"""The report's tables as rows of display strings, one source for the page and the PDF.

Rates are shown as percentages with one decimal and the Clopper–Pearson exact 95% interval the
report carries (docs/spec/endpoints.md, "Proportions"); times in days; "NR" where a median or
an interval end is not reached, "—" where a value does not exist (no denominator, no level setting).
Nothing here rounds what the report stores: the JSON keeps its unrounded numbers.

Pure: imports nothing from Django.
"""

from __future__ import annotations

from dataclasses import dataclass

DASH = "—"
NOT_REACHED = "NR"
TIME_TO_EVENT = (("dor", "DOR"), ("efs", "EFS"), ("os", "OS"),
                 ("dor_censored_at_hsct", "DOR, censored at HSCT"),
                 ("efs_censored_at_hsct", "EFS, censored at HSCT"))
ORR_ROWS = (("W4", "Week 4"), ("W8", "Week 8"), ("W12", "Week 12"),
            ("best_by_W12", "Best by week 12"))
ANALYTE_UNITS = {"car_copies_per_ug_gdna": "CAR copies/µg gDNA",
                 "car_t_cells_per_uL": "CAR-T cells/µL"}
REVIEW_HEADER = ("Subject", "Rule", "Date", "Recorded", "Derived", "Finding")


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # the HTML id and the PDF's order
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def percent(fraction: float | None) -> str:
    return DASH if fraction is None else f"{fraction * 100:.1f}%"


def interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return DASH
    return f"{low * 100:.1f}–{high * 100:.1f}%"


def number(value: float | int | None, digits: int = 3) -> str:
    """A count or a measured value: whole numbers below 100,000 as they are (counts, days),
    anything else to `digits` significant figures, so a column of concentrations reads alike."""
    if value is None:
        return DASH
    if float(value).is_integer() and abs(value) < 100_000:
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


def days(value: float | None) -> str:
    return NOT_REACHED if value is None else number(value)


def proportion_cells(block: dict) -> tuple[str, str, str]:
    """`k/n`, the rate and its 95% interval of a report proportion."""
    return (f"{block['k']}/{block['n']}", percent(block["rate"]),
            interval(block["ci_low"], block["ci_high"]))


def populations_table(report: dict) -> Table:
    counts = report["populations"]
    return Table("populations", "Populations",
                 ("", "Enrolled", "Infused (mITT)", "DLT-evaluable"),
                 (("Patients", str(counts["enrolled"]), str(counts["infused"]),
                   str(counts["dlt_evaluable"])),))


def dlt_table(report: dict) -> Table:
    dlt = report["dlt"]
    rows = [(level["dose_level"], _level_dose(level), str(level["infused"]),
             str(level["evaluable"]), str(level["dlt"]), percent(level["rate"]),
             interval(level["ci_low"], level["ci_high"]), str(level["pending"]))
            for level in dlt["by_dose_level"]]
    overall = dlt["overall"]
    rows.append(("All levels", "", "", str(overall["n"]), str(overall["k"]),
                 percent(overall["rate"]), interval(overall["ci_low"], overall["ci_high"]),
                 str(sum(level["pending"] for level in dlt["by_dose_level"]))))
    return Table("dlt", "Dose-limiting toxicities by dose level",
                 ("Dose level", "Dose", "Infused", "Evaluable", "DLT", "Rate", "95% CI",
                  "Pending"), tuple(rows),
                 "Pending: DLT candidates not yet adjudicated (adverse events, not patients).")


def escalation_table(report: dict) -> Table:
    esc = report["dlt"]["escalation"]
    rows = (("Design", esc["design"]), ("Target DLT rate", percent(esc["target"])),
            ("λe / λd", f"{number(esc['lambda_e'], 4)} / {number(esc['lambda_d'], 4)}"),
            ("Current dose level", esc["current_dose_level"] or DASH),
            ("Recommendation", _decision(esc["decision"])),
            ("Eliminated", ", ".join(esc["eliminated"]) or "none"),
            ("MTD estimate", esc["mtd"] or DASH),
            ("3+3 MTD", esc["three_plus_three_mtd"] or DASH))
    return Table("escalation", "Dose escalation", ("", "Recommendation and estimates"), rows)


def response_table(report: dict) -> Table:
    rows = []
    for key, label in ORR_ROWS:
        block = report["orr"][key]
        rows.append((f"ORR {label}", *proportion_cells(block["cr_cri"]),
                     *proportion_cells(block["cr_cri_pr"])))
    rows.append(("MRD-negative CR/CRi (days 1–365)", *proportion_cells(report["mrd_orr"]),
                 "", "", ""))
    rows.append(("HSCT (days 1–365)", *proportion_cells(report["hsct"]), "", "", ""))
    return Table("responses", "Response, MRD and HSCT (of the infused)",
                 ("", "CR/CRi", "Rate", "95% CI", "CR/CRi/PR", "Rate", "95% CI"), tuple(rows),
                 "Clopper–Pearson exact 95% intervals; no assessment at a visit counts as "
                 "no response.")


def time_to_event_table(report: dict) -> Table:
    rows = []
    for key, label in TIME_TO_EVENT:
        km = report[key]
        low, high = km["median_ci"]
        rows.append((label, str(km["n"]), str(km["events"]), days(km["median"]),
                     f"{days(low)}–{days(high)}", _rate_at(km, "182"), _rate_at(km, "365")))
    return Table("time-to-event", "Time to event (Kaplan–Meier, days)",
                 ("", "n", "Events", "Median", "95% CI", "At 6 months", "At 1 year"),
                 tuple(rows), "Median and interval NR: not reached; a rate beyond the longest "
                              "follow-up is not estimable (—).")


def pk_table(report: dict, key: str) -> Table:
    block = report[key]
    unit = ANALYTE_UNITS.get(block["analyte"], block["analyte"])
    rows = tuple((row["dose_level"], str(row["n"]), number(row["cmax_median"]),
                  number(row["cmax_geomean"]), number(row["cmax_geocv_pct"]),
                  number(row["tmax_median"]), number(row["auc_0_28_median"]),
                  number(row["auc_0_28_geomean"])) for row in block["by_dose_level"])
    return Table(f"pk-{key}", f"Expansion by dose level: {unit}",
                 ("Dose level", "n", "Cmax median", "Cmax geo. mean", "Cmax geo. CV%",
                  "Tmax median (days)", "AUC0–28 median", "AUC0–28 geo. mean"), rows,
                 "AUC0–28 summaries leave out partial AUCs (no sample on day 28).")


def review_table(review: dict) -> Table:
    rows = tuple((f["subject_id"], f["rule"], f["date"], _plain(f["recorded"]),
                  _plain(f["derived"]), f["message"]) for f in review["findings"])
    return Table("data-review", "Data review", REVIEW_HEADER, rows,
                 "Every finding of the clinical rules at the cutoff (contract §5).")


def summary_tables(report: dict) -> list[Table]:
    """Every table of the report but the data-review listing, in reading order."""
    tables = [populations_table(report), dlt_table(report), escalation_table(report),
              response_table(report), time_to_event_table(report), pk_table(report, "pk")]
    if "pk_cells" in report:
        tables.append(pk_table(report, "pk_cells"))
    return tables


def _level_dose(level: dict) -> str:
    if level.get("cells_per_kg") is not None:
        return f"{level['cells_per_kg']:.1e} cells/kg"
    if level.get("total_cells") is not None:
        return f"{level['total_cells']:.1e} cells"
    return DASH


def _decision(decision: str | None) -> str:
    labels = {"escalate": "Escalate", "stay": "Stay", "deescalate": "De-escalate",
              "add_three": "Add three patients"}
    return labels.get(decision, "None yet (no one infused)")


def _rate_at(km: dict, day: str) -> str:
    return percent(km["rate_at"].get(day))


def _plain(value) -> str:
    return DASH if value is None else str(value)
