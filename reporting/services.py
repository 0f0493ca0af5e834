"""The report page's data: the snapshot's endpoint report and data review, and its drawn plots
and PDF.

The report's numbers come from the latest snapshot for the cutoff (`endpoints.snapshots`), served
stale when the data changed since, with a recompute scheduled, as the API serves them. The plots
and the PDF are the snapshot's drawings (`reporting.drawings`): drawn by the live recompute from
the data the snapshot was computed from, read back here. One the snapshot lacks is drawn on the
request from the trial as it stands (`load_trial`, a fixed number of queries) cut at the same
cutoff: kept with the snapshot when the snapshot is fresh (the records are those it was computed
from), else kept in the cache under the audit trail's position (`data_version`) of the records
it read, so that any further change draws afresh. A stale snapshot is labelled as such on the
page and in the PDF.
"""

import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from endpoints.data_cuts import tables_as_of
from endpoints.models import DataCut
from endpoints.serving import OnDemandGate, current_snapshot, served_report, served_review
from endpoints.snapshots import data_version
from endpoints.trial_data import TrialAsOf
from endpoints.trial_rows import load_trial
from reporting.drawings import keep, pdf_name, report_pdf_of, timed
from reporting.models import SnapshotDrawing
from reporting.plots import PLOT_NAMES, figure_bytes, page_figure, page_plot_name, report_figure

logger = logging.getLogger(__name__)
CACHE_SECONDS = 24 * 3600
# How long after a snapshot is stored its PDF may still be on the worker's drawing board.
PDF_BEING_DRAWN = timedelta(minutes=5)


class ReportData:
    """Everything the report page, its plots and its PDF show at `cutoff`."""

    data_cut: DataCut | None = None

    def __init__(self, cutoff: date, *, may_compute: OnDemandGate | None = None):
        self.cutoff = cutoff
        # The report and listing of docs/spec/contract.md §4 and §5, read as a reader reads: no
        # clinical write; a past cutoff computed through the gate.
        self.snapshot, self.stale = current_snapshot(cutoff, recompute_if_stale=False,
                                                     may_compute=may_compute)
        self.report = served_report(self.snapshot, self.stale)
        self.review = served_review(self.snapshot, recompute_if_stale=False)

    @cached_property
    def trial(self) -> TrialAsOf:
        return load_trial().as_of(self.cutoff)

    def plot(self, name: str, fmt: str) -> bytes:
        """Plot `name` (one of `plots.PLOT_NAMES`) as SVG or PNG bytes, every patient in it."""
        return self._drawing(name, fmt, lambda: figure_bytes(
            report_figure(name, self.report, self.trial), fmt))

    def page_plots(self, swimmer_page: int = 1) -> dict[str, bytes]:
        """The SVG of each plot as the page shows it (`plots.page_figure`), by plot name, in
        one query when the snapshot has them all."""
        names = {page_plot_name(name, swimmer_page): name for name in PLOT_NAMES}
        kept = dict(SnapshotDrawing.objects.filter(
            snapshot=self.snapshot, format="svg", name__in=names).values_list("name", "body"))
        return {plot: bytes(kept[name]) if name in kept else self._drawing(
                    name, "svg", lambda plot=plot: figure_bytes(page_figure(
                        plot, self.report, self.trial, swimmer_page=swimmer_page), "svg"),
                    looked_up=True)
                for name, plot in names.items()}

    def pdf(self) -> bytes:
        """The report for the safety review committee.

        The worker draws a snapshot's PDF in the seconds after storing it: until it has, the
        previous snapshot's PDF is served, in its stale version (its title page names its own
        snapshot and says the data changed since), rather than drawing one more on the request.
        A data cut's PDF (its title page names the cut) is kept under a name of its own: it is
        never served for the live report, nor the live report's for a data cut.
        """
        name = pdf_name(self.stale, data_cut=self.data_cut is not None)
        kept = SnapshotDrawing.objects.filter(snapshot=self.snapshot, name=name,
                                              format="pdf").values_list("body", flat=True)
        if kept:
            return bytes(kept[0])
        if (self.data_cut is None and settings.REPORT_DRAWN_BY_RECOMPUTE
                and timezone.now() - self.snapshot.computed_at < PDF_BEING_DRAWN):
            previous = SnapshotDrawing.objects.filter(
                snapshot__cutoff=self.cutoff, snapshot__computed_at__lt=self.snapshot.computed_at,
                snapshot__data_cut__isnull=True, name=pdf_name(True), format="pdf").order_by(
                    "-snapshot__computed_at").values_list("body", flat=True)[:1]
            if previous:
                return bytes(previous[0])
        return self._drawing(name, "pdf", lambda: report_pdf_of(
            self.report, self.review, self.trial,
            data_cut=data_cut_label(self.data_cut) if self.data_cut else None), looked_up=True)

    def _drawing(self, name: str, fmt: str, draw: Callable[[], bytes], *,
                 looked_up: bool = False) -> bytes:
        if not looked_up:
            kept = SnapshotDrawing.objects.filter(snapshot=self.snapshot, name=name,
                                                  format=fmt).values_list("body", flat=True)
            if kept:
                return bytes(kept[0])
        if not self.stale:
            body, ms = timed(draw)
            keep(self.snapshot, name, fmt, body, ms)
            return body
        return self._cached(f"{name}:{fmt}", draw)

    def _cached(self, what: str, draw: Callable[[], bytes]) -> bytes:
        """Drawn from records newer than the snapshot: kept in the cache for these records."""
        snapshot = self.report["snapshot"]
        key = (f"reporting:{what}:{self.cutoff.isoformat()}:{snapshot['computed_at']}:"
               f"{snapshot['data_version']}:{data_version()}")
        try:
            body = cache.get(key)
        except Exception:  # the cache is a convenience: without it, draw
            logger.warning("cache unavailable: drawing %s without it", what)
            return draw()
        if body is None:
            body = draw()
            try:
                cache.set(key, body, CACHE_SECONDS)
            except Exception:
                logger.warning("cache unavailable: %s not kept", what)
        return body


def data_cut_label(cut: DataCut) -> str:
    """How the page and the PDF name a frozen data cut."""
    return (f"\u201c{cut.name}\u201d, frozen {cut.signed_at:%Y-%m-%d %H:%M} UTC by "
            f"{cut.signer_printed_name}")


class DataCutReportData(ReportData):
    """A frozen data cut's report, listing and plots: its snapshot's numbers, and the patient-level
    plots drawn from the trial as it stood at the cut's audit positions (rebuilt from the history
    and rolled back, `endpoints.data_cuts.tables_as_of`), never from the records as they stand."""

    def __init__(self, cut: DataCut):
        self.data_cut = cut
        self.cutoff = cut.cutoff
        snapshot = cut.snapshot
        report = dict(snapshot.report)
        self.report = {"cutoff": report.pop("cutoff"), "snapshot": {
            "computed_at": snapshot.computed_at.isoformat(),
            "data_version": snapshot.data_version, "stale": False,
            "duration_ms": snapshot.duration_ms}, **report}
        self.review = snapshot.review
        # Frozen: its drawings never go stale, and are kept with its snapshot once drawn.
        self.snapshot, self.stale = snapshot, False

    @cached_property
    def trial(self) -> TrialAsOf:
        with tables_as_of(self.data_cut.positions):
            return load_trial().as_of(self.cutoff)
