"""The report's drawings kept with their snapshot (`reporting.models.SnapshotDrawing`).

Drawing the plots takes seconds at a thousand patients, reading them back a few milliseconds: the
live recompute (on a worker) draws what the report page shows right after computing a snapshot,
from the same data, and stores it in the transaction that stores the snapshot
(`endpoints.snapshots.keep_beside_snapshots`), so that no reader sees the snapshot without its
plots. The PDF names the snapshot's time, known only once it is stored: it is drawn after the
snapshot's transaction commits, in both versions a reader may be served (the snapshot fresh,
and stale once the data change), by a task of its own (`reporting.tasks`) where a worker runs
the tasks, so that the recompute's task is free for the next change. Whatever is missing (a
snapshot a reader's request computed, a data cut's, a download, another page of the swimmer
plot) is drawn by the request that needs it (`reporting.services`).

`REPORT_DRAWN_BY_RECOMPUTE` (settings) turns this on: on by default where a worker runs the
recomputes; off where tasks run inside the saving request, which would otherwise wait for the
drawing.
"""

import logging
import time
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from core.models import Study
from endpoints.models import EndpointSnapshot
from endpoints.serving import served_report
from endpoints.snapshots import SnapshotStore, data_version
from endpoints.trial_data import TrialAsOf, TrialData
from endpoints.trial_rows import load_trial
from reporting.models import SnapshotDrawing
from reporting.pdf import report_pdf
from reporting.plots import PLOT_NAMES, figure_bytes, page_figure, page_plot_name, report_figure
from reporting.tables import review_table, summary_tables

logger = logging.getLogger(__name__)
PDF = "report"  # the PDF's name as a drawing; its stale version's is PDF_STALE
PDF_STALE = "report-stale"
PDF_DATA_CUT = "report-data-cut"  # a frozen data cut's, its title page naming the cut


def pdf_name(stale: bool, *, data_cut: bool = False) -> str:
    return PDF_DATA_CUT if data_cut else PDF_STALE if stale else PDF


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


def report_pdf_of(report: dict, review: dict, trial: TrialAsOf, *,
                  data_cut: str | None = None) -> bytes:
    """The PDF of `report` (as served, with its snapshot block) for the safety review
    committee; `data_cut`: the label of the frozen data cut it shows."""
    return report_pdf(
        study=Study.load().protocol_id, report=report, tables=summary_tables(report),
        review=review_table(review),
        figures=(report_figure(name, report, trial) for name in PLOT_NAMES), data_cut=data_cut)


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
        transaction.on_commit(lambda: _pdfs_after_commit(snapshot, at_cutoff))

    return store


def _pdfs_after_commit(snapshot: EndpointSnapshot, trial: TrialAsOf) -> None:
    """Where a worker runs the tasks, the PDFs are drawn by a task of their own, so that the
    recompute's task ends as soon as the snapshot and the page's plots are stored (drawing both
    PDFs takes tens of seconds at a thousand patients, which would hold back the next
    recompute); where tasks run in the process, they are drawn here, from the trial at hand."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        _draw_pdfs(snapshot, trial, PDF_NAMES)
        return
    from reporting.tasks import draw_report_pdfs_task  # the task calls back into this module

    try:
        draw_report_pdfs_task.delay(snapshot.pk)
    except Exception:  # the snapshot stands; a request will draw the PDF
        logger.exception("could not queue the PDFs of snapshot %s", snapshot.pk)


PDF_NAMES = (PDF, PDF_STALE)  # both versions of a live snapshot's PDF a reader may be served


def draw_report_pdfs(snapshot_id: int) -> None:
    """The PDFs of a live snapshot the recompute stored, in both versions, from the data it was
    computed from (the task of `_pdfs_after_commit`). Idempotent: those it has are kept. When
    the data changed since, nothing is drawn: the records it was computed from are gone (a
    request draws from those that stand), and a newer snapshot's PDFs are on their way."""
    drawn = set(SnapshotDrawing.objects.filter(
        snapshot_id=snapshot_id, format="pdf").values_list("name", flat=True))
    missing = tuple(name for name in PDF_NAMES if name not in drawn)
    if not missing:
        return
    snapshot = EndpointSnapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:  # pruned already
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():  # the version and the records read in one view of the data
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        if data_version() != snapshot.data_version:
            logger.info("snapshot %s is stale: its PDFs are left to the requests", snapshot_id)
            return
        trial = load_trial()
    _draw_pdfs(snapshot, trial.as_of(snapshot.cutoff), missing)


def _draw_pdfs(snapshot: EndpointSnapshot, trial: TrialAsOf, names: tuple[str, ...]) -> None:
    if not EndpointSnapshot.objects.filter(pk=snapshot.pk).exists():  # pruned already
        return
    for name in names:
        try:
            body, ms = timed(lambda name=name: report_pdf_of(
                served_report(snapshot, name == PDF_STALE), snapshot.review, trial))
        except Exception:  # the snapshot stands; a request will draw the PDF
            logger.exception("the PDF of snapshot %s could not be drawn", snapshot.pk)
            return
        keep(snapshot, name, "pdf", body, ms)
