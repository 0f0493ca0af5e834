"""The endpoint report's shape (docs/spec/contract.md §4, CON-REP-02): every key of the contract,
each value of the right type. Shape only: the values are checked against docs/spec/endpoints.md by
the tests of each computation.

Extra keys are allowed (the contract's keys stay; the project may add its own). `bool` is never
taken for a number, though Python counts it as an `int`.

    report_shape_problems(report)  # [] when the report has the contract's shape
"""

NUMBER = (int, float)
NUMBER_OR_NULL = (int, float, type(None))
TEXT_OR_NULL = (str, type(None))

PROPORTION = {"n": int, "k": int, "rate": NUMBER_OR_NULL, "ci_low": NUMBER_OR_NULL,
              "ci_high": NUMBER_OR_NULL}
CURVE_ROW = {"t": NUMBER, "s": NUMBER, "ci_low": NUMBER_OR_NULL, "ci_high": NUMBER_OR_NULL,
             "at_risk": int, "events": int, "censored": int}
KAPLAN_MEIER = {"n": int, "events": int, "median": NUMBER_OR_NULL, "median_ci": [NUMBER_OR_NULL],
                "rate_at": {"182": NUMBER_OR_NULL, "365": NUMBER_OR_NULL}, "curve": [CURVE_ROW]}
SHAPE = {
    "cutoff": str,
    "snapshot": {"computed_at": str, "data_version": (str, int), "stale": bool,
                 "duration_ms": NUMBER},
    "populations": {"enrolled": int, "infused": int, "dlt_evaluable": int},
    "dlt": {
        "by_dose_level": [{"dose_level": str, "cells_per_kg": NUMBER_OR_NULL,
                           "total_cells": NUMBER_OR_NULL, "infused": int, "evaluable": int,
                           "dlt": int, "rate": NUMBER_OR_NULL, "ci_low": NUMBER_OR_NULL,
                           "ci_high": NUMBER_OR_NULL, "pending": int}],
        "overall": PROPORTION,
        "escalation": {"design": str, "target": NUMBER, "lambda_e": NUMBER_OR_NULL,
                       "lambda_d": NUMBER_OR_NULL, "current_dose_level": TEXT_OR_NULL,
                       "decision": TEXT_OR_NULL, "eliminated": [str], "mtd": TEXT_OR_NULL,
                       "three_plus_three_mtd": TEXT_OR_NULL},
    },
    "orr": {visit: {"cr_cri": PROPORTION, "cr_cri_pr": PROPORTION}
            for visit in ("W4", "W8", "W12", "best_by_W12")},
    "mrd_orr": PROPORTION,
    "hsct": PROPORTION,
    **{name: KAPLAN_MEIER
       for name in ("dor", "efs", "os", "dor_censored_at_hsct", "efs_censored_at_hsct")},
    "pk": {
        "analyte": str,
        "patients": [{"subject_id": str, "dose_level": str, "cmax": NUMBER, "tmax": NUMBER,
                      "auc_0_28": NUMBER_OR_NULL, "auc_0_28_partial": bool, "tlast": NUMBER,
                      "clast": NUMBER}],
        "by_dose_level": [{"dose_level": str, "n": int, "cmax_median": NUMBER_OR_NULL,
                           "cmax_geomean": NUMBER_OR_NULL, "cmax_geocv_pct": NUMBER_OR_NULL,
                           "tmax_median": NUMBER_OR_NULL, "auc_0_28_median": NUMBER_OR_NULL,
                           "auc_0_28_geomean": NUMBER_OR_NULL}],
    },
}


def report_shape_problems(report) -> list[str]:
    """Every place where `report` departs from the contract's shape, as `path: problem`."""
    problems: list[str] = []
    _check(SHAPE, report, "report", problems)
    return problems


def _check(shape, value, path: str, problems: list[str]) -> None:
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        for key, inner in shape.items():
            if key in value:
                _check(inner, value[key], f"{path}.{key}", problems)
            else:
                problems.append(f"{path}.{key}: missing")
    elif isinstance(shape, list):
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            _check(shape[0], item, f"{path}[{index}]", problems)
    else:
        types = shape if isinstance(shape, tuple) else (shape,)
        if isinstance(value, bool) and bool not in types:
            problems.append(f"{path}: a boolean where a number is expected")
        elif not isinstance(value, types):
            expected = "/".join("null" if t is type(None) else t.__name__ for t in types)
            problems.append(f"{path}: {type(value).__name__} is not {expected}")

