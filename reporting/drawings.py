"""The report's drawings kept with their snapshot (`reporting.models.SnapshotDrawing`).

Drawing the plots takes seconds at a thousand patients, reading them back a few milliseconds: the
live recompute (on a worker) draws what the report page shows right after computing a snapshot,
from the same data, and stores it in the transaction that stores the snapshot
(`endpoints.snapshots.keep_beside_snapshots`), so that no reader sees the snapshot without its
plots. The PDF names the snapshot's time, known only once it is stored: it is drawn just after
the snapshot's transaction commits, in both versions a reader may be served (the snapshot fresh,
and stale once the data change). Whatever is missing (a snapshot a reader's request computed, a
download, another page of the swimmer plot) is drawn by the request that needs it
(`reporting.services`).

`REPORT_DRAWN_BY_RECOMPUTE` (settings) turns this on: on by default where a worker runs the
recomputes; off where tasks run inside the saving request, which would otherwise wait for the
drawing.
"""

import logging
import time
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction

from core.models import Study
from endpoints.models import EndpointSnapshot
from endpoints.serving import served_report
from endpoints.snapshots import SnapshotStore
from endpoints.trial_data import TrialAsOf, TrialData
from reporting.models import SnapshotDrawing
from reporting.pdf import report_pdf
from reporting.plots import PLOT_NAMES, figure_bytes, page_figure, page_plot_name, report_figure
from reporting.tables import review_table, summary_tables

logger = logging.getLogger(__name__)
PDF = "report"  # the PDF's name as a drawing; its stale version's is PDF_STALE
PDF_STALE = "report-stale"


def pdf_name(stale: bool) -> str:
    return PDF_STALE if stale else PDF


def timed(draw: Callable[[], bytes]) -> tuple[bytes, float]:
    started = time.perf_counter()
    body = draw()
    return body, (time.perf_counter() - started) * 1000


def keep(snapshot: EndpointSnapshot, name: str, fmt: str, body: bytes,
         duration_ms: float) -> None:
    """Store one drawing of `snapshot`; one already there (another request or the worker drew
    it at the same time) is kept."""
    try:
        with transaction.atomic():
            SnapshotDrawing.objects.create(snapshot=snapshot, name=name, format=fmt, body=body,
                                           duration_ms=duration_ms)
    except IntegrityError:
        pass


def page_svgs(report: dict, trial: TrialAsOf) -> list[tuple[str, bytes, float]]:
    """What the report page shows, as (name, SVG, milliseconds to draw): every plot's page
    version, the swimmer plot's first page."""
    return [(page_plot_name(name), *timed(lambda name=name: figure_bytes(
        page_figure(name, report, trial), "svg"))) for name in PLOT_NAMES]


def report_pdf_of(report: dict, review: dict, trial: TrialAsOf) -> bytes:
    """The PDF of `report` (as served, with its snapshot block) for the safety review
    committee."""
    return report_pdf(
        study=Study.load().protocol_id, report=report, tables=summary_tables(report),
        review=review_table(review),
        figures=(report_figure(name, report, trial) for name in PLOT_NAMES))


def draw_beside_snapshot(cutoff: date, report: dict, review: dict,
                         trial: TrialData) -> SnapshotStore | None:
    """The companion of the live recompute: draws the page's plots now, the PDF after the
    snapshot is committed."""
    if not settings.REPORT_DRAWN_BY_RECOMPUTE:
        return None
    at_cutoff = trial.as_of(cutoff)
    drawn = page_svgs({"cutoff": cutoff.isoformat(), **report}, at_cutoff)

    def store(snapshot: EndpointSnapshot) -> None:
        SnapshotDrawing.objects.bulk_create(
            SnapshotDrawing(snapshot=snapshot, name=name, format="svg", body=body,
                            duration_ms=ms) for name, body, ms in drawn)
        transaction.on_commit(lambda: _draw_pdfs(snapshot.pk, review, at_cutoff))

    return store


def _draw_pdfs(snapshot_id: int, review: dict, trial: TrialAsOf) -> None:
    snapshot = EndpointSnapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:  # pruned already
        return
    for stale in (False, True):
        try:
            body, ms = timed(lambda stale=stale: report_pdf_of(
                served_report(snapshot, stale), review, trial))
        except Exception:  # the snapshot stands; a request will draw the PDF
            logger.exception("the PDF of snapshot %s could not be drawn", snapshot_id)
            return
        keep(snapshot, pdf_name(stale), "pdf", body, ms)
