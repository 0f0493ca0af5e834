"""The report-shape helper (tests/report_shape.py) finds what departs from docs/spec/contract.md §4:
a check the report tests lean on must itself be able to fail. No database."""

import copy

import pytest

from endpoints.report import build_report
from tests.endpoints.test_report import CUTOFF, generated_trial, with_snapshot
from tests.report_shape import report_shape_problems

# Built once: a report with rows in every list the shape describes.
REPORT = with_snapshot(build_report(generated_trial(60, seed=3), CUTOFF))


def test_a_built_report_has_the_shape():
    assert REPORT["efs_censored_at_hsct"]["curve"] and REPORT["pk"]["patients"]
    assert report_shape_problems(REPORT) == []


def test_an_extra_key_is_allowed():
    report = {**REPORT, "definitions": "as in docs/spec/endpoints.md"}
    assert report_shape_problems(report) == []


def set_at(report, path, value):
    *parents, last = path
    node = report
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value


@pytest.mark.parametrize(("path", "value", "problem"), [
    (("dlt", "overall", "k"), KeyError, "report.dlt.overall.k: missing"),
    (("populations", "infused"), True, "report.populations.infused: a boolean where a number is "
                                       "expected"),
    (("snapshot", "stale"), 0, "report.snapshot.stale: int is not bool"),
    (("orr", "W8"), [], "report.orr.W8: expected an object, got list"),
    (("pk", "patients"), {}, "report.pk.patients: expected a list, got dict"),
    (("pk", "patients", 0, "cmax"), "high", "report.pk.patients[0].cmax: str is not int/float"),
    (("efs_censored_at_hsct", "curve", 1, "s"), None,
     "report.efs_censored_at_hsct.curve[1].s: NoneType is not int/float"),
    (("os", "median_ci", 0), "NR", "report.os.median_ci[0]: str is not int/float/null"),
    (("dlt", "escalation", "eliminated"), [3],
     "report.dlt.escalation.eliminated[0]: int is not str"),
])
def test_a_departure_is_named_by_its_path(path, value, problem):
    # given the built report with one value changed or removed
    report = copy.deepcopy(REPORT)
    set_at(report, path, value)
    # then
    assert report_shape_problems(report) == [problem]
