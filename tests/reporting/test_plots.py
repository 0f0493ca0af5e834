"""The figures carry what they claim to show; rendering to SVG and PNG. No database."""

import re
from datetime import date

import pytest

from endpoints.report import build_report
from reporting.plots import PLOT_NAMES, figure_bytes, report_figure, svg_element
from tests.endpoints import test_report as endpoint_tests
from tests.endpoints.test_report import generated_trial

CUTOFF = date(2025, 6, 30)


@pytest.fixture(scope="module")
def generated():
    trial = generated_trial(40, seed=11)
    return build_report(trial, CUTOFF), trial.as_of(CUTOFF)


def svg_of(name, generated) -> str:
    report, trial = generated
    return svg_element(figure_bytes(report_figure(name, report, trial), "svg"))


@pytest.mark.parametrize("name", ["km-dor", "km-efs", "km-os"])
def test_a_km_plot_has_its_curve_band_censoring_marks_and_numbers_at_risk(name, generated):
    svg = svg_of(name, generated)
    for part in ("curve", "band", "censored", "at-risk"):
        assert f'id="{name}-{part}"' in svg
    assert "At risk" in svg


def test_the_at_risk_row_shows_the_count_at_day_0(generated):
    report, _ = generated
    svg = svg_of("km-os", generated)
    at_risk = svg[svg.index('id="km-os-at-risk"'):]
    assert re.search(rf">{report['os']['n']}</text>", at_risk)


def test_the_swimmer_has_one_bar_per_infused_patient_and_an_arrow_per_ongoing_one(generated):
    _, trial = generated
    svg = svg_of("swimmer", generated)
    assert svg.count('id="swimmer-bar-') == len(trial.infused)
    ongoing = [p for p in trial.infused if p.death_date is None and p.off_study_date is None]
    assert 0 < len(ongoing) < len(trial.infused)
    assert svg.count('id="swimmer-ongoing-') == len(ongoing)
    for marker in ("cr-cri", "relapse", "hsct", "death"):
        assert f'id="swimmer-{marker}"' in svg


def test_the_pk_plots_have_a_log_panel_per_dose_level_and_a_line_per_patient(generated):
    report, _ = generated
    svg = svg_of("pk-copies", generated)
    for level in report["pk"]["by_dose_level"]:
        assert f">{level['dose_level']} (n = " in svg
    assert svg.count('id="pk-copies-RD-') == len(report["pk"]["patients"])
    assert "log scale" in svg


def test_every_plot_renders_to_svg_and_png(generated):
    report, trial = generated
    for name in PLOT_NAMES:
        figure = report_figure(name, report, trial)
        assert figure_bytes(figure, "svg").lstrip().startswith(b"<?xml")
        assert figure_bytes(figure, "png").startswith(b"\x89PNG\r\n\x1a\n")


def test_an_inline_svg_has_no_xml_prolog(generated):
    assert svg_of("km-os", generated).startswith("<svg")


def test_an_unknown_format_or_plot_is_refused_with_the_choices(generated):
    report, trial = generated
    with pytest.raises(ValueError, match="format: 'gif' is not one of svg, png"):
        figure_bytes(report_figure("km-os", report, trial), "gif")
    with pytest.raises(KeyError, match="no plot named 'pie'"):
        report_figure("pie", report, trial)


def test_an_empty_trial_still_draws_every_plot():
    trial = generated_trial(0, seed=1)
    report = build_report(trial, CUTOFF)
    for name in PLOT_NAMES:
        svg = figure_bytes(report_figure(name, report, trial.as_of(CUTOFF)), "svg")
        assert b"<svg" in svg


@pytest.mark.parametrize("module", ["reporting/plot_data.py", "reporting/tables.py",
                                    "reporting/plots.py", "reporting/pdf.py"])
def test_the_drawing_modules_import_nothing_from_django(module):
    endpoint_tests.test_the_endpoint_modules_import_nothing_from_django(module)
