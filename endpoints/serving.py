"""Serving the reports to readers (docs/spec/contract.md §4, §5): the latest snapshot for a
cutoff, marked stale when the data changed since, and computed for the reader when there is none
(never writing clinical data, and within the reader's on-demand rate for past cutoffs)."""


from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.utils import timezone

from endpoints.cutoffs import checked_cutoff
from endpoints.freshness import schedule_recompute
from endpoints.models import EndpointSnapshot
from endpoints.snapshots import compute_for_reader, data_version, latest_snapshot, recompute


class OnDemandRefused(Exception):
    """A reader has used up the past-cutoff reports they may have computed for now."""

    def __init__(self, wait_seconds: float):
        self.wait_seconds = wait_seconds
        super().__init__(
            "reports for a past cutoff are computed on demand a limited number of times per "
            f"reader (REPORT_ON_DEMAND_RATE); try again in {max(1, round(wait_seconds))} s, or "
            "ask for a cutoff already computed, or today's")


# Asked before a report is computed for a reader: None to go ahead, else the seconds to wait.
OnDemandGate = Callable[[], float | None]


def current_snapshot(cutoff: date, *, recompute_if_stale: bool,
                     may_compute: OnDemandGate | None = None) -> tuple[EndpointSnapshot, bool]:
    """The latest snapshot for `cutoff` and whether it is stale.

    With `recompute_if_stale` (the commands) a missing or stale snapshot is recomputed live.
    Otherwise (a reader's request) nothing clinical is written: today's snapshot, if missing, is
    computed for the reader, and if stale is served as such while the live recompute is
    scheduled on a worker (computed for the reader when tasks run in-process); a past cutoff's
    snapshot, if missing or stale, is computed for the reader when `may_compute` lets it
    (OnDemandRefused otherwise)."""

    today = timezone.localdate()
    checked_cutoff(cutoff, today=today)
    snapshot = latest_snapshot(cutoff)
    stale = snapshot is not None and snapshot.data_version != data_version()
    if snapshot is not None and not stale:
        return snapshot, False
    if recompute_if_stale:
        snapshot = recompute(cutoff)
    elif cutoff == today and snapshot is not None and not settings.CELERY_TASK_ALWAYS_EAGER:
        # A worker runs the live recompute; without a broker it would run inside this
        # request and write the DLT candidates, so the reader's copy is computed instead.
        schedule_recompute()
        return snapshot, True
    else:
        if cutoff != today and may_compute is not None and (wait := may_compute()) is not None:
            raise OnDemandRefused(wait)
        snapshot = compute_for_reader(cutoff)
    return snapshot, snapshot.data_version != data_version()  # changed while computing


def endpoint_report(cutoff: date | None = None, *, recompute_if_stale: bool,
                    may_compute: OnDemandGate | None = None) -> dict:
    """The endpoint report (docs/spec/contract.md §4) with its snapshot block."""
    cutoff = cutoff or timezone.localdate()
    snapshot, stale = current_snapshot(cutoff, recompute_if_stale=recompute_if_stale,
                                       may_compute=may_compute)
    return served_report(snapshot, stale)


def served_report(snapshot: EndpointSnapshot, stale: bool) -> dict:
    """The snapshot's report as `endpoint_report` serves it, with its snapshot block."""
    report = dict(snapshot.report)
    return {"cutoff": report.pop("cutoff"), "snapshot": {
        "computed_at": snapshot.computed_at.isoformat(), "data_version": snapshot.data_version,
        "stale": stale, "duration_ms": snapshot.duration_ms}, **report}


def data_review_report(cutoff: date | None = None, *, recompute_if_stale: bool,
                       may_compute: OnDemandGate | None = None) -> dict:
    """The data-review listing (docs/spec/contract.md §5) of the snapshot for `cutoff`."""
    cutoff = cutoff or timezone.localdate()
    snapshot, _stale = current_snapshot(cutoff, recompute_if_stale=recompute_if_stale,
                                        may_compute=may_compute)
    return served_review(snapshot, recompute_if_stale=recompute_if_stale)


def served_review(snapshot: EndpointSnapshot, *, recompute_if_stale: bool) -> dict:
    """The snapshot's data-review listing; a snapshot from before the listing existed is
    computed again."""
    cutoff = snapshot.cutoff
    if "findings" not in snapshot.review:  # a snapshot from before the listing existed
        snapshot = recompute(cutoff) if recompute_if_stale else compute_for_reader(cutoff)
    return snapshot.review
