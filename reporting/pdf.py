"""The report as a PDF for the safety review committee, with matplotlib's PdfPages (pure Python,
no system binaries).

Pages, A4 landscape: a title page (study, the frozen data cut shown or that none is, cutoff,
snapshot time, data version, freshness); the
summary tables, as many as fit on a page; one page per plot; the data-review listing, continued
over as many pages as its findings need.

Pure: imports nothing from Django.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from reporting.tables import Table

A4_LANDSCAPE = (11.69, 8.27)
LINES_PER_PAGE = 44  # table lines of 7.5 pt text between the page's title and its foot
FINDING_WIDTH = 78  # characters of a data-review message per line
FONT_SIZE = 7.5


def report_pdf(*, study: str, report: dict, tables: list[Table], review: Table,
               figures: Iterable[Figure], data_cut: str | None = None) -> bytes:
    """The PDF's bytes; `tables` go on the pages after the title, `review` last. `data_cut`:
    the frozen data cut shown, named as the page names it; None for the live data."""
    out = io.BytesIO()
    with PdfPages(out, metadata={"Title": f"{study} endpoint report, cutoff {report['cutoff']}",
                                 "Subject": "Safety review committee report",
                                 "CreationDate": None}) as pdf:
        pdf.savefig(title_page(study, report, data_cut))
        for page in table_pages(tables, footer=_footer(study, report, data_cut)):
            pdf.savefig(page)
        for figure in figures:
            figure.set_size_inches(*A4_LANDSCAPE)
            pdf.savefig(figure)
        for page in table_pages([review], footer=_footer(study, report, data_cut)):
            pdf.savefig(page)
    return out.getvalue()


LIVE_DATA = "none (the live data at this cutoff, not a frozen data cut)"


def title_page(study: str, report: dict, data_cut: str | None = None) -> Figure:
    snapshot = report["snapshot"]
    freshness = ("STALE: the data changed after this snapshot was computed"
                 if snapshot["stale"] else "fresh: no data changed since it was computed")
    if data_cut is not None:
        freshness = "frozen: the data cut's snapshot, kept as it was signed"
    fig = Figure(figsize=A4_LANDSCAPE)
    lines = [(f"{study}", 26, "bold"), ("Endpoint report for the safety review committee", 16,
                                        "normal"), ("", 12, "normal"),
             (f"Data cut: {data_cut or LIVE_DATA}", 13, "bold" if data_cut else "normal"),
             (f"Data cutoff: {report['cutoff']}", 13, "normal"),
             (f"Snapshot computed at: {snapshot['computed_at']}", 13, "normal"),
             (f"Data version: {snapshot['data_version']}", 13, "normal"),
             (f"Snapshot: {freshness}", 13, "bold" if snapshot["stale"] else "normal")]
    y = 0.72
    for text, size, weight in lines:
        fig.text(0.08, y, text, fontsize=size, fontweight=weight)
        y -= 0.06
    fig.text(0.08, 0.1, "Confidential. Pseudonymous subject codes only; endpoint definitions "
                        "as in the statistical specification (endpoints.md).", fontsize=9,
             color="#555555")
    return fig


def table_pages(tables: list[Table], *, footer: str) -> list[Figure]:
    """The tables laid out top to bottom over as few pages as they fit; a table longer than a
    page continues on the next with its header repeated."""
    pages, page, used = [], None, LINES_PER_PAGE
    for table in tables:
        rows = [_wrapped(row) for row in table.rows] or [("(none)",) + ("",) * (
            len(table.header) - 1)]
        title = table.title
        while rows:
            room = LINES_PER_PAGE - used - 3  # title, header and a gap
            if room < 3:
                page, used = _new_page(footer), 0
                pages.append(page)
                continue
            chunk, lines = [], 0
            while rows and lines + _height(rows[0]) <= room:
                lines += _height(rows[0])
                chunk.append(rows.pop(0))
            if not chunk and used:  # one row taller than what is left: start a new page
                used = LINES_PER_PAGE
                continue
            if not chunk:  # one row taller than a page: cut it
                chunk, lines = [rows.pop(0)], room
            _draw_table(page, title, table.header, chunk, top_line=used)
            used += lines + 3
            title = f"{table.title} (continued)"
        if table.note:
            if used + 1 > LINES_PER_PAGE:
                page, used = _new_page(footer), 0
                pages.append(page)
            page.text(0.05, _y(used) + 0.01, table.note, fontsize=FONT_SIZE - 0.5,
                      color="#555555", va="top")
            used += 1
    return pages


def _new_page(footer: str) -> Figure:
    page = Figure(figsize=A4_LANDSCAPE)
    page.text(0.05, 0.03, footer, fontsize=7, color="#555555")
    return page


def _y(line: int) -> float:
    """Figure height of a table line's top: lines run from 0.94 down to 0.07."""
    return 0.94 - line * (0.87 / LINES_PER_PAGE)


def _height(row: tuple[str, ...]) -> int:
    return max(cell.count("\n") + 1 for cell in row)


def _wrapped(row: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(textwrap.fill(cell, FINDING_WIDTH) if len(cell) > FINDING_WIDTH else cell
                 for cell in row)


def _draw_table(page: Figure, title: str, header: tuple[str, ...], rows: list, *,
                top_line: int):
    line_height = 0.87 / LINES_PER_PAGE
    page.text(0.05, _y(top_line), title, fontsize=10, fontweight="bold", va="top")
    lines = 1 + sum(_height(row) for row in rows)
    top = _y(top_line + 1)
    ax = page.add_axes((0.05, top - lines * line_height, 0.9, lines * line_height))
    ax.set_axis_off()
    table = ax.table(cellText=[list(row) for row in rows], colLabels=list(header),
                     loc="upper left", cellLoc="left", edges="horizontal")
    table.auto_set_font_size(False)
    table.set_fontsize(FONT_SIZE)
    heights = [1] + [_height(row) for row in rows]
    for (row, _col), cell in table.get_celld().items():
        cell.set_height(heights[row] / lines)
        if row == 0:
            cell.set_text_props(fontweight="bold")
    table.auto_set_column_width(list(range(len(header))))


def _footer(study: str, report: dict, data_cut: str | None = None) -> str:
    snapshot = report["snapshot"]
    cut = f"data cut {data_cut} · " if data_cut else ""
    return (f"{study} · {cut}cutoff {report['cutoff']} · snapshot {snapshot['computed_at']} "
            f"(data version {snapshot['data_version']}"
            f"{', stale' if snapshot['stale'] else ''})")
