"""The committee's PDF: its pages, read back with pypdf. No database."""

import io
from datetime import date

import pypdf
import pytest

from endpoints.report import build_report
from reporting.pdf import LINES_PER_PAGE, report_pdf, table_pages
from reporting.plots import PLOT_NAMES, report_figure
from reporting.tables import Table, review_table, summary_tables
from tests.endpoints.test_report import generated_trial

CUTOFF = date(2025, 6, 30)
SNAPSHOT = {"computed_at": "2025-07-01T02:00:00+00:00", "data_version": "4711", "stale": False,
            "duration_ms": 12.0}


def finding(i: int, message="visit outside its window") -> dict:
    return {"subject_id": f"RD-{i:03d}", "rule": "visit_out_of_window", "date": "2025-01-02",
            "recorded": "day 40", "derived": "day 21–35", "message": message}


def one_line_table(rows: int) -> Table:
    return Table("t", "Listing", ("a", "b"), tuple((str(i), "x") for i in range(rows)))


@pytest.mark.parametrize(("rows", "pages"), [
    (0, 1),  # "(none)" on one page
    (LINES_PER_PAGE - 3, 1),  # title, header and gap take three lines
    (LINES_PER_PAGE - 2, 2),
    (200, 5),  # 41 rows a page: 41 · 4 = 164, the last 36 on a fifth
])
def test_a_long_table_continues_over_pages(rows, pages):
    assert len(table_pages([one_line_table(rows)], footer="f")) == pages


def test_a_wrapped_finding_takes_the_lines_it_needs():
    long = "a finding that goes on " * 8  # 184 characters: three lines of 78
    review = review_table({"findings": [finding(i, long) for i in range(20)]})
    # 41 lines a page at three lines a finding: 13 findings, then 7 on the next
    assert len(table_pages([review], footer="f")) == 2


def test_the_pdf_has_a_title_page_the_tables_each_plot_and_the_review():
    # given
    trial = generated_trial(30, seed=5)
    report = {"snapshot": SNAPSHOT, **build_report(trial, CUTOFF)}
    tables = summary_tables(report)
    review = review_table({"findings": [finding(i) for i in range(60)]})
    figures = [report_figure(name, report, trial.as_of(CUTOFF)) for name in PLOT_NAMES]
    # when
    pdf = report_pdf(study="RD13-02-PH1", report=report, tables=tables, review=review,
                     figures=figures)
    # then
    assert pdf.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    summary_pages = len(table_pages(tables, footer=""))
    assert len(pages) == 1 + summary_pages + len(PLOT_NAMES) + 2  # 60 findings: 41 + 19
    title = pages[0].extract_text()
    for text in ("RD13-02-PH1", "Data cutoff: 2025-06-30", "2025-07-01T02:00:00+00:00",
                 "Data version: 4711", "fresh"):
        assert text in title
    assert "Dose-limiting toxicities by dose level" in pages[1].extract_text()
    plot_text = [pages[1 + summary_pages + i].extract_text() for i in range(len(PLOT_NAMES))]
    assert "Overall survival" in plot_text[PLOT_NAMES.index("km-os")]
    assert "RD-059" in pages[-1].extract_text()
    assert "Data review (continued)" in pages[-1].extract_text()


def test_a_stale_snapshot_says_so_on_the_title_page():
    trial = generated_trial(3, seed=5)
    report = {"snapshot": {**SNAPSHOT, "stale": True}, **build_report(trial, CUTOFF)}
    pdf = report_pdf(study="RD13-02-PH1", report=report, tables=[], figures=[],
                     review=review_table({"findings": []}))
    assert "STALE" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
