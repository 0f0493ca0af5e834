"""The endpoint report service: load the trial, compute, keep a snapshot, serve it.

The call path: view / task / command → `endpoint_report` or `recompute` → `load_trial` (a fixed
number of queries whatever the trial's size) → `trial_edc.report.build_report` (pure).

Two ways to compute: the live `recompute` (after saves, nightly, the commands) is the only one
that brings the DLT candidates in line, which writes audited rows; a reader's request never
does, and a report it needs is computed by `compute_for_reader`, which writes no clinical data.
Readers cannot grow the store: a cutoff is a date up to today (`cutoffs`), past cutoffs keep one
snapshot each, at most `REPORT_PAST_CUTOFFS_KEPT` of them, and the views let each reader have
past-cutoff reports computed `REPORT_ON_DEMAND_RATE` times (the `may_compute` gate).
"""

import gc
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from dosing.models import DoseLevel, Infusion
from efficacy.models import Death, DiseaseEvent, Hsct
from efficacy.services import assessment_rows_of, read_assessments
from patients.models import FollowUpContact, Patient
from pk.models import PkSample
from safety.models import DltAdjudication, DltCandidate
from safety.services import (
    dlt_candidates_as_reconciled,
    dlt_candidates_reconcile,
    read_adverse_events,
    read_graded_details,
    safety_rows_of,
)

from .cutoffs import checked_cutoff
from .fast_reads import values_rows
from .models import EndpointSnapshot, Study
from .report import build_report
from .review import ReviewInputs, data_review
from .trial_data import (
    AdverseEventData,
    AssessmentData,
    DiseaseEventData,
    DoseLevelData,
    InfusionData,
    PatientData,
    PkSampleData,
    StudyData,
    TrialData,
)

KEEP_SNAPSHOTS_PER_CUTOFF = 20  # of today's cutoff: the live recomputes' recent ones
AUDITED_APPS = ("trial_edc", "patients", "dosing", "safety", "efficacy", "pk")
RECOMPUTE_LOCK = 7_130_213  # the advisory lock key of `recompute` on PostgreSQL


def data_version() -> str:
    """The audit trail's position: the sum of every history table's highest id, in one query.

    Every change to audited data adds a history row and history rows are never removed, so the
    number grows with each change and only then.
    """
    tables = [m._meta.db_table for a in AUDITED_APPS for m in apps.get_app_config(a).get_models()
              if m.__name__.startswith("Historical")]
    union = " UNION ALL ".join(f'SELECT MAX(history_id) AS m FROM "{t}"' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(m), 0) FROM ({union}) AS maxima")
        return str(cursor.fetchone()[0])


def _by_patient(rows, make):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(make(*row[1:]))
    return grouped


@dataclass(frozen=True)
class TrialRows:
    """Every row the endpoints and the data-review listing read, as plain tuples, read once."""

    study: Study
    levels: list[tuple]  # code, rank, cells_per_kg, total_cells
    patients: list[tuple]  # pk, subject_id, enrollment, off study, screening marrow blasts
    infusions: list[tuple]  # patient id, number, date, time, dose level code
    adverse_events: list[tuple]  # safety.services.AE_COLUMNS
    adjudications: dict[int, str]  # AE id → decision
    assessments: list[tuple]  # efficacy.services.ASSESSMENT_COLUMNS
    disease_events: list[tuple]  # patient id, date, type
    pk_samples: list[tuple]  # patient id, then PkSampleData's fields
    hsct: dict[int, date]
    deaths: dict[int, tuple[date, str]]
    contacts: dict[int, date]  # latest follow-up contact

    def day0(self) -> dict[int, date]:
        first: dict[int, date] = {}
        for patient_id, _number, day, *_ in self.infusions:
            if patient_id not in first or day < first[patient_id]:
                first[patient_id] = day
        return first


def read_trial_rows() -> TrialRows:
    """Twelve queries at any trial size."""
    return TrialRows(
        study=Study.load(),
        levels=values_rows(DoseLevel.objects.order_by("rank"), "code", "rank", "cells_per_kg",
                           "total_cells"),
        patients=values_rows(Patient.objects.order_by("subject_id"), "pk", "subject_id",
                             "enrollment_date", "off_study_date", "screening_marrow_blasts_pct"),
        infusions=values_rows(Infusion.objects.order_by("patient_id", "number"), "patient_id",
                              "number", "date", "time", "dose_level__code"),
        adverse_events=read_adverse_events(),
        adjudications=dict(values_rows(DltAdjudication.objects.all(), "adverse_event_id",
                                       "decision")),
        assessments=read_assessments(),
        disease_events=values_rows(DiseaseEvent.objects.order_by("patient_id", "date", "pk"),
                                   "patient_id", "date", "type"),
        pk_samples=values_rows(
            PkSample.objects.order_by("patient_id", "collected_at", "pk"),
            "patient_id", "nominal_day", "collected_at", "matrix", "car_copies_per_ug_gdna",
            "below_lloq", "car_t_cells_per_uL"),
        hsct=dict(values_rows(Hsct.objects.all(), "patient_id", "date")),
        deaths={pid: (day, cause) for pid, day, cause in
                values_rows(Death.objects.all(), "patient_id", "date", "cause")},
        contacts=dict(FollowUpContact.objects.values("patient_id").annotate(
            last=Max("contact_date")).values_list("patient_id", "last")))


def trial_data_of(rows: TrialRows, flagged: set[int]) -> TrialData:
    """The frozen inputs of the endpoint modules; `flagged`: AE ids with a DLT candidate."""
    infusions = _by_patient(rows.infusions, InfusionData)
    decisions = rows.adjudications
    adverse_events = defaultdict(list)  # each patient's in onset order, as read
    for pk, patient_id, _subject, term, grade, onset, resolution, *_ in rows.adverse_events:
        adverse_events[patient_id].append(AdverseEventData(
            term, grade, onset, resolution, pk in flagged, decisions.get(pk)))
    assessments = _by_patient((row[:5] for row in rows.assessments), AssessmentData)
    disease_events = _by_patient(rows.disease_events, DiseaseEventData)
    samples = _by_patient(rows.pk_samples, PkSampleData)
    patients = []
    for pk, subject_id, enrollment, off_study, _baseline in rows.patients:
        death_date, death_cause = rows.deaths.get(pk, (None, None))
        patients.append(PatientData(
            subject_id=subject_id, enrollment_date=enrollment, off_study_date=off_study,
            infusions=tuple(infusions.get(pk, ())),
            adverse_events=tuple(adverse_events.get(pk, ())),
            assessments=tuple(assessments.get(pk, ())),
            disease_events=tuple(disease_events.get(pk, ())), hsct_date=rows.hsct.get(pk),
            death_date=death_date, death_cause=death_cause,
            last_contact_date=rows.contacts.get(pk), pk_samples=tuple(samples.get(pk, ()))))
    study = rows.study
    return TrialData(
        study=StudyData(study.escalation_design, study.target_dlt_rate, study.dlt_window_days,
                        tuple(DoseLevelData(*row) for row in rows.levels)),
        patients=tuple(patients))


def load_trial() -> TrialData:
    """Everything the endpoints read, as frozen dataclasses: 13 queries at any trial size."""
    flagged = set(DltCandidate.objects.values_list("adverse_event_id", flat=True))
    return trial_data_of(read_trial_rows(), flagged)


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


def _compute_and_store(cutoff: date, *, reconcile: bool) -> EndpointSnapshot:
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
            safety = safety_rows_of(rows.adverse_events, read_graded_details(), day0)
            today = timezone.localdate()
            if reconcile:
                candidates = dlt_candidates_reconcile(safety, today=today,
                                                      study=rows.study).candidates
            else:
                candidates = dlt_candidates_as_reconciled(safety, today=today, study=rows.study)
            version = data_version()
    trial = trial_data_of(rows, {ae_id for ae_id, _rule in candidates})
    review = data_review(cutoff, ReviewInputs(
        safety=safety, candidates=candidates, decided=set(rows.adjudications),
        sae_report_hours=rows.study.sae_report_hours, trial=trial,
        assessments=assessment_rows_of(
            rows.assessments, day0=day0,
            subjects={pk: subject for pk, subject, *_ in rows.patients},
            baselines={pk: row[-1] for pk, *row in rows.patients})))
    report = build_report(trial, cutoff)
    duration_ms = (time.perf_counter() - started) * 1000
    snapshot = EndpointSnapshot.objects.create(cutoff=cutoff, data_version=version,
                                               report=report, review=review,
                                               duration_ms=duration_ms)
    _prune(today=timezone.localdate())
    return snapshot


def _prune(*, today: date):
    """Keep the store of snapshots bounded, however many cutoffs readers ask for: today's
    cutoff keeps its latest KEEP_SNAPSHOTS_PER_CUTOFF, each past cutoff its latest one, and at
    most `settings.REPORT_PAST_CUTOFFS_KEPT` past cutoffs are kept, those computed most recently.
    The table stays that small, so one query reads all of it."""
    kept_today, kept_past, stale_ids = 0, set(), []
    for pk, cutoff in EndpointSnapshot.objects.order_by("-computed_at", "-pk").values_list(
            "pk", "cutoff"):
        if cutoff >= today and kept_today < KEEP_SNAPSHOTS_PER_CUTOFF:
            kept_today += 1
        elif (cutoff < today and cutoff not in kept_past
              and len(kept_past) < settings.REPORT_PAST_CUTOFFS_KEPT):
            kept_past.add(cutoff)
        else:
            stale_ids.append(pk)
    if stale_ids:
        EndpointSnapshot.objects.filter(pk__in=stale_ids).delete()


def latest_snapshot(cutoff: date) -> EndpointSnapshot | None:
    return EndpointSnapshot.objects.filter(cutoff=cutoff).order_by("-computed_at", "-pk").first()


def current_snapshot(cutoff: date, *, recompute_if_stale: bool,
                     may_compute: OnDemandGate | None = None) -> tuple[EndpointSnapshot, bool]:
    """The latest snapshot for `cutoff` and whether it is stale.

    With `recompute_if_stale` (the commands) a missing or stale snapshot is recomputed live.
    Otherwise (a reader's request) nothing clinical is written: today's snapshot, if missing, is
    computed for the reader, and if stale is served as such while the live recompute is
    scheduled on a worker (computed for the reader when tasks run in-process); a past cutoff's
    snapshot, if missing or stale, is computed for the reader when `may_compute` lets it
    (OnDemandRefused otherwise)."""
    from .freshness import schedule_recompute

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
    if "findings" not in snapshot.review:  # a snapshot from before the listing existed
        snapshot = recompute(cutoff) if recompute_if_stale else compute_for_reader(cutoff)
    return snapshot.review
