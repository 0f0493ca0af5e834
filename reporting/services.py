"""The report page's data: the snapshot's endpoint report and data review, and the trial at the
cutoff for the patient-level plots; the drawn plots and PDF, cached.

The report's numbers come from the latest snapshot for the cutoff (`endpoints.snapshots`), served
stale when the data changed since, with a recompute scheduled, as the API serves them. The
swimmer plot and the PK curves need each patient's record, which a snapshot does not keep: they
are drawn from the trial as it stands (`load_trial`, a fixed number of queries) cut at the same
cutoff. A stale snapshot is labelled as such on the page and in the PDF.

Drawing takes far longer than reading: a drawn plot or PDF is kept in the cache under the
snapshot it shows and the audit trail's position (`data_version`) of the records it read, so any
change to either draws afresh, and the trial is only loaded when something must be drawn.
"""

import logging
from collections.abc import Callable
from datetime import date
from functools import cached_property

from django.core.cache import cache

from core.models import Study
from endpoints.data_cuts import tables_as_of
from endpoints.models import DataCut
from endpoints.serving import OnDemandGate, data_review_report, endpoint_report
from endpoints.snapshots import data_version
from endpoints.trial_data import TrialAsOf
from endpoints.trial_rows import load_trial
from reporting.pdf import report_pdf
from reporting.plots import PLOT_NAMES, figure_bytes, report_figure
from reporting.tables import review_table, summary_tables

logger = logging.getLogger(__name__)
CACHE_SECONDS = 24 * 3600


class ReportData:
    """Everything the report page, its plots and its PDF show at `cutoff`."""

    data_cut: DataCut | None = None

    def __init__(self, cutoff: date, *, may_compute: OnDemandGate | None = None):
        self.cutoff = cutoff
        # The report and listing of docs/spec/contract.md §4 and §5, read as a reader reads: no
        # clinical write; a past cutoff computed through the gate.
        self.report = endpoint_report(cutoff, recompute_if_stale=False, may_compute=may_compute)
        self.review = data_review_report(cutoff, recompute_if_stale=False,
                                         may_compute=may_compute)
        self.records_version = data_version()

    @cached_property
    def trial(self) -> TrialAsOf:
        return load_trial().as_of(self.cutoff)

    def plot(self, name: str, fmt: str) -> bytes:
        """Plot `name` (one of `plots.PLOT_NAMES`) as SVG or PNG bytes."""
        return self._cached(f"plot:{name}:{fmt}",
                            lambda: figure_bytes(report_figure(name, self.report, self.trial),
                                                 fmt))

    def pdf(self) -> bytes:
        """The report for the safety review committee."""
        return self._cached("pdf", lambda: report_pdf(
            study=Study.load().protocol_id, report=self.report,
            tables=summary_tables(self.report), review=review_table(self.review),
            figures=(report_figure(name, self.report, self.trial) for name in PLOT_NAMES),
            data_cut=data_cut_label(self.data_cut) if self.data_cut else None))

    def _cached(self, what: str, draw: Callable[[], bytes]) -> bytes:
        snapshot = self.report["snapshot"]
        key = (f"reporting:{what}:{self.cutoff.isoformat()}:{snapshot['computed_at']}:"
               f"{snapshot['data_version']}:{self.records_version}")
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
        self.records_version = f"data-cut-{cut.pk}"  # frozen: its drawings never go stale

    @cached_property
    def trial(self) -> TrialAsOf:
        with tables_as_of(self.data_cut.positions):
            return load_trial().as_of(self.cutoff)
