"""The endpoint report service: load the trial, compute, keep a snapshot, serve it.

The call path: view / task / command → `endpoint_report` or `recompute` → `load_trial` (a fixed
number of queries whatever the trial's size) → `endpoints.report.build_report` (pure).

Two ways to compute: the live `recompute` (after saves, nightly, the commands) is the only one
that brings the DLT candidates in line, which writes audited rows; a reader's request never
does, and a report it needs is computed by `compute_for_reader`, which writes no clinical data.
Readers cannot grow the store: a cutoff is a date up to today (`cutoffs`), past cutoffs keep one
snapshot each, at most `REPORT_PAST_CUTOFFS_KEPT` of them, and the views let each reader have
past-cutoff reports computed `REPORT_ON_DEMAND_RATE` times (the `may_compute` gate).
"""

import gc
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from datetime import date
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from efficacy.services import assessment_rows_of
from endpoints.cutoffs import checked_cutoff
from endpoints.models import EndpointSnapshot
from endpoints.report import build_report
from endpoints.review import ReviewInputs, data_review
from endpoints.trial_data import TrialData
from endpoints.trial_rows import read_trial_rows, trial_data_of
from notifications.triggers import notify_dlt_candidates
from safety.services import (
    dlt_candidates_as_reconciled,
    dlt_candidates_reconcile,
    read_graded_details,
    safety_rows_of,
)

KEEP_SNAPSHOTS_PER_CUTOFF = 20  # of today's cutoff: the live recomputes' recent ones
# Every app whose records the recompute reads: a lab count decides D5, so labs is one of them.
AUDITED_APPS = ("trial_edc", "patients", "dosing", "safety", "efficacy", "pk", "labs")
RECOMPUTE_LOCK = 7_130_213  # the advisory lock key of `recompute` on PostgreSQL

# What the layers above keep beside a snapshot (the report's drawn plots: `reporting`). A
# companion is called by the live recompute with the snapshot's cutoff, report, data-review
# listing and the trial they were computed from, before the snapshot is stored and outside any
# transaction (drawing takes seconds, and a write transaction held that long would stall the
# saves on SQLite); it returns what stores its work once the snapshot row exists, in the
# transaction that inserts the snapshot, so that no reader sees the snapshot without it; or None.
SnapshotStore = Callable[[EndpointSnapshot], None]
Companion = Callable[[date, dict, dict, TrialData], SnapshotStore | None]
_companions: list[Companion] = []


def keep_beside_snapshots(companion: Companion) -> None:
    """Register `companion` (once, from an app's `ready`)."""
    if companion not in _companions:
        _companions.append(companion)


def history_models() -> list:
    """The history model of every audited model the recompute reads (simple-history's)."""
    return [m for a in AUDITED_APPS for m in apps.get_app_config(a).get_models()
            if m.__name__.startswith("Historical")]


def data_positions() -> dict[str, int]:
    """The audit trail's position table by table: each history table's highest `history_id`
    (0 when empty), in one query. A data cut keeps them (`endpoints.data_cuts`)."""
    tables = [m._meta.db_table for m in history_models()]
    union = " UNION ALL ".join(
        f"SELECT '{t}' AS t, COALESCE(MAX(history_id), 0) AS m FROM \"{t}\"" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(union)
        return {table: int(position) for table, position in cursor.fetchall()}


def data_version() -> str:
    """The audit trail's position: the sum of every history table's highest id, in one query.

    Every change to audited data adds a history row and history rows are never removed, so the
    number grows with each change and only then.
    """
    return version_of(data_positions())


def version_of(positions: dict[str, int]) -> str:
    return str(sum(positions.values()))


@contextmanager
def _one_recompute_at_a_time():
    """On PostgreSQL, recomputes (several workers, the nightly run, a command) take turns: each
    reconciles the DLT candidates, which two at once would both raise. SQLite serialises writes
    itself."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # released with the caller's transaction
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])
            yield
            return
        # Taken before the transaction starts, so that its snapshot sees the previous
        # recompute's candidates.
        cursor.execute("SELECT pg_advisory_lock(%s)", [RECOMPUTE_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RECOMPUTE_LOCK])


@contextmanager
def _without_cycle_collection():
    """A recompute allocates a few hundred thousand small objects and frees them all at the end;
    Python's cycle collector, triggered by the allocations, would walk them again and again
    (about a fifth of the time at 10,000 patients). Reference counting still frees what is
    dropped; the collector is switched back on (process-wide) when the recompute ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def recompute(cutoff: date | None = None) -> EndpointSnapshot:
    """The live recompute: re-evaluate the DLT rules (raising, updating or voiding their
    candidates), then compute every endpoint and the data-review listing at `cutoff` (default
    today) and store the snapshot. Every row is read once, in one consistent view of the data,
    and the data version is read in the same view after the DLT candidates are brought in line.
    Run after saves, nightly and by the commands; never for a reader's request."""
    with _without_cycle_collection():
        return _compute_and_store(_checked(cutoff or timezone.localdate()), reconcile=True)


def compute_for_reader(cutoff: date) -> EndpointSnapshot:
    """The snapshot `recompute(cutoff)` would store, computed without writing clinical data:
    the DLT candidates are those the rules raise now and the investigators' on record, exactly
    as a recompute would leave them, but none is raised, updated or voided. Kept in the bounded
    store of snapshots (`_prune`)."""
    with _without_cycle_collection():
        return _compute_and_store(_checked(cutoff), reconcile=False)


def _checked(cutoff: date) -> date:
    return checked_cutoff(cutoff, today=timezone.localdate())


class Computed(NamedTuple):
    """One computation's results, before they are stored: the report and listing as the
    snapshot keeps them, and the audit trail's positions (table by table) of the rows read."""
    report: dict
    review: dict
    positions: dict[str, int]
    duration_ms: float
    # The trial they were computed from, for what the layers above keep beside the snapshot
    # (`keep_beside_snapshots`); not stored.
    trial: TrialData | None = None

    @property
    def data_version(self) -> str:
        return version_of(self.positions)


def _compute_and_store(cutoff: date, *, reconcile: bool) -> EndpointSnapshot:
    computed = compute(cutoff, today=timezone.localdate(), reconcile=reconcile)
    # Only the live recompute (a worker's, the nightly one) does the companions' work: a
    # reader's request does its own, on demand, and so does a data cut's.
    keepers = [keeper for companion in (_companions if reconcile else ())
               if (keeper := companion(cutoff, computed.report, computed.review,
                                       computed.trial)) is not None]
    with transaction.atomic():  # no reader sees the snapshot without what is kept beside it
        snapshot = store(cutoff, computed)
        for keeper in keepers:
            keeper(snapshot)
    _prune(today=timezone.localdate())
    return snapshot


def store(cutoff: date, computed: Computed) -> EndpointSnapshot:
    return EndpointSnapshot.objects.create(
        cutoff=cutoff, data_version=computed.data_version, report=computed.report,
        review=computed.review, duration_ms=computed.duration_ms)


def compute(cutoff: date, *, today: date, reconcile: bool) -> Computed:
    """Every endpoint and the data-review listing at `cutoff`, the DLT rules applied as on
    `today`, from one consistent view of the data; with `reconcile`, the DLT candidates are
    first brought in line (the live recompute). Stores nothing."""
    started = time.perf_counter()
    with _one_recompute_at_a_time() if reconcile else nullcontext():
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                # A request already inside a transaction reads at its isolation level.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            rows = read_trial_rows()
            day0 = rows.day0()
            safety = safety_rows_of(rows.adverse_events, read_graded_details(), day0,
                                    rows.cytopenia_counts)
            if reconcile:
                reconciled = dlt_candidates_reconcile(safety, today=today, study=rows.study)
                candidates = reconciled.candidates
                if reconciled.counts["raised"]:
                    # The investigators are told, in this transaction (the outbox).
                    notify_dlt_candidates()
            else:
                candidates = dlt_candidates_as_reconciled(safety, today=today, study=rows.study)
            positions = data_positions()
    trial = trial_data_of(rows, {ae_id for ae_id, _rule in candidates})
    review = data_review(cutoff, ReviewInputs(
        safety=safety, candidates=candidates, decided=set(rows.adjudications),
        sae_report_hours=rows.study.sae_report_hours, trial=trial,
        cytopenia_counts=rows.cytopenia_counts, iec_hs_labs=rows.iec_hs_labs,
        assessments=assessment_rows_of(
            rows.assessments, day0=day0,
            subjects={p.id: p.subject_id for p in rows.patients},
            baselines={p.id: p.screening_marrow_blasts_pct for p in rows.patients})))
    report = build_report(trial, cutoff)
    return Computed(report, review, positions, (time.perf_counter() - started) * 1000, trial)


def _prune(*, today: date):
    """Keep the store of snapshots bounded, however many cutoffs readers ask for: today's
    cutoff keeps its latest KEEP_SNAPSHOTS_PER_CUTOFF, each past cutoff its latest one, and at
    most `settings.REPORT_PAST_CUTOFFS_KEPT` past cutoffs are kept, those computed most recently.
    The table stays that small, so one query reads all of it. The snapshot of a frozen data
    cut (`endpoints.models.DataCut`) is never pruned, nor counted among those kept."""
    kept_today, kept_past, stale_ids = 0, set(), []
    computed = EndpointSnapshot.objects.filter(data_cut__isnull=True)  # a frozen one stays
    for snapshot_id, cutoff in computed.order_by("-computed_at", "-pk").values_list(
            "pk", "cutoff"):
        if cutoff >= today and kept_today < KEEP_SNAPSHOTS_PER_CUTOFF:
            kept_today += 1
        elif (cutoff < today and cutoff not in kept_past
              and len(kept_past) < settings.REPORT_PAST_CUTOFFS_KEPT):
            kept_past.add(cutoff)
        else:
            stale_ids.append(snapshot_id)
    if stale_ids:
        # What is kept beside a snapshot goes with it (a cascade, which loads the snapshots
        # deleted: only their ids, not their reports).
        EndpointSnapshot.objects.filter(pk__in=stale_ids).only("pk").delete()


def latest_snapshot(cutoff: date) -> EndpointSnapshot | None:
    return EndpointSnapshot.objects.filter(cutoff=cutoff).order_by("-computed_at", "-pk").first()
