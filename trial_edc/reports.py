"""The endpoint report service: load the trial, compute, keep a snapshot, serve it.

The call path: view / task / command → `endpoint_report` or `recompute` → `load_trial` (a fixed
number of queries whatever the trial's size) → `trial_edc.report.build_report` (pure).
"""

import time
from collections import defaultdict
from datetime import date

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from dosing.models import DoseLevel, Infusion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from patients.models import FollowUpContact, Patient
from pk.models import PkSample
from safety.models import AdverseEvent, DltAdjudication, DltCandidate
from safety.services import dlt_candidates_sync, safety_rows

from .fast_reads import values_rows
from .models import EndpointSnapshot, Study
from .report import build_report
from .review import data_review
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

KEEP_SNAPSHOTS_PER_CUTOFF = 20
AUDITED_APPS = ("trial_edc", "patients", "dosing", "safety", "efficacy", "pk")


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
    for patient_id, *values in rows:
        grouped[patient_id].append(make(*values))
    return grouped


def load_trial() -> TrialData:
    """Everything the endpoints read, as frozen dataclasses: 13 queries at any trial size."""
    study = Study.load()
    levels = tuple(DoseLevelData(*row) for row in values_rows(
        DoseLevel.objects.order_by("rank"), "code", "rank", "cells_per_kg", "total_cells"))
    infusions = _by_patient(values_rows(
        Infusion.objects.order_by("patient_id", "number"),
        "patient_id", "number", "date", "time", "dose_level__code"), InfusionData)
    flagged = {row[0] for row in values_rows(DltCandidate.objects.all(), "adverse_event_id")}
    decisions = dict(values_rows(DltAdjudication.objects.all(), "adverse_event_id", "decision"))
    adverse_events = _by_patient(values_rows(
        AdverseEvent.objects.order_by("patient_id", "onset_date", "pk"),
        "patient_id", "pk", "term", "grade", "onset_date", "resolution_date"),
        lambda pk, term, grade, onset, resolution: AdverseEventData(
            term, grade, onset, resolution, pk in flagged, decisions.get(pk)))
    assessments = _by_patient(values_rows(
        ResponseAssessment.objects.order_by("patient_id", "date", "pk"),
        "patient_id", "visit", "date", "response", "mrd_pct"), AssessmentData)
    disease_events = _by_patient(values_rows(
        DiseaseEvent.objects.order_by("patient_id", "date", "pk"), "patient_id", "date", "type"),
        DiseaseEventData)
    samples = _by_patient(values_rows(
        PkSample.objects.order_by("patient_id", "collected_at", "pk"),
        "patient_id", "nominal_day", "collected_at", "matrix", "car_copies_per_ug_gdna",
        "below_lloq", "car_t_cells_per_uL"), PkSampleData)
    hsct = dict(values_rows(Hsct.objects.all(), "patient_id", "date"))
    deaths = {pid: (day, cause) for pid, day, cause in
              values_rows(Death.objects.all(), "patient_id", "date", "cause")}
    contacts = {pid: last for pid, last in FollowUpContact.objects.values("patient_id").annotate(
        last=Max("contact_date")).values_list("patient_id", "last")}
    patients = []
    for pk, subject_id, enrollment, off_study in values_rows(
            Patient.objects.order_by("subject_id"),
            "pk", "subject_id", "enrollment_date", "off_study_date"):
        death_date, death_cause = deaths.get(pk, (None, None))
        patients.append(PatientData(
            subject_id=subject_id, enrollment_date=enrollment, off_study_date=off_study,
            infusions=tuple(infusions.get(pk, ())),
            adverse_events=tuple(adverse_events.get(pk, ())),
            assessments=tuple(assessments.get(pk, ())),
            disease_events=tuple(disease_events.get(pk, ())), hsct_date=hsct.get(pk),
            death_date=death_date, death_cause=death_cause, last_contact_date=contacts.get(pk),
            pk_samples=tuple(samples.get(pk, ()))))
    return TrialData(
        study=StudyData(study.escalation_design, study.target_dlt_rate, study.dlt_window_days,
                        levels),
        patients=tuple(patients))


def recompute(cutoff: date | None = None) -> EndpointSnapshot:
    """Re-evaluate the DLT rules, then compute every endpoint and the data-review listing at
    `cutoff` (default today) and store the snapshot."""
    cutoff = cutoff or timezone.localdate()
    started = time.perf_counter()
    safety = safety_rows()
    dlt_candidates_sync(rows=safety, schedule_recompute=False)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One consistent view of the data across the loader's queries (the task's case; a
            # request already inside a transaction reads at its isolation level).
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        version = data_version()
        trial = load_trial()
        review = data_review(cutoff, safety=safety, trial=trial)
    report = build_report(trial, cutoff)
    duration_ms = (time.perf_counter() - started) * 1000
    snapshot = EndpointSnapshot.objects.create(cutoff=cutoff, data_version=version,
                                               report=report, review=review,
                                               duration_ms=duration_ms)
    _prune(cutoff)
    return snapshot


def _prune(cutoff: date):
    old = EndpointSnapshot.objects.filter(cutoff=cutoff).order_by("-computed_at", "-pk")
    stale_ids = list(old.values_list("pk", flat=True)[KEEP_SNAPSHOTS_PER_CUTOFF:])
    if stale_ids:
        EndpointSnapshot.objects.filter(pk__in=stale_ids).delete()


def latest_snapshot(cutoff: date) -> EndpointSnapshot | None:
    return EndpointSnapshot.objects.filter(cutoff=cutoff).order_by("-computed_at", "-pk").first()


def current_snapshot(cutoff: date, *,
                     recompute_if_stale: bool) -> tuple[EndpointSnapshot, bool]:
    """The latest snapshot for `cutoff` and whether it is stale, computing one if there is none
    (or, with `recompute_if_stale`, if the data changed since); a stale one served as such
    schedules a recompute."""
    from .freshness import schedule_recompute

    snapshot = latest_snapshot(cutoff)
    current = data_version()
    stale = snapshot is not None and snapshot.data_version != current
    if snapshot is None or (stale and recompute_if_stale):
        snapshot = recompute(cutoff)
        stale = snapshot.data_version != data_version()  # changed while computing
    elif stale:
        schedule_recompute(cutoff)
    return snapshot, stale


def endpoint_report(cutoff: date | None = None, *, recompute_if_stale: bool) -> dict:
    """The endpoint report (contract §4) with its snapshot block."""
    cutoff = cutoff or timezone.localdate()
    snapshot, stale = current_snapshot(cutoff, recompute_if_stale=recompute_if_stale)
    report = dict(snapshot.report)
    return {"cutoff": report.pop("cutoff"), "snapshot": {
        "computed_at": snapshot.computed_at.isoformat(), "data_version": snapshot.data_version,
        "stale": stale, "duration_ms": snapshot.duration_ms}, **report}


def data_review_report(cutoff: date | None = None, *, recompute_if_stale: bool) -> dict:
    """The data-review listing (contract §5) of the snapshot for `cutoff`."""
    cutoff = cutoff or timezone.localdate()
    snapshot, _stale = current_snapshot(cutoff, recompute_if_stale=recompute_if_stale)
    if "findings" not in snapshot.review:  # a snapshot from before the listing existed
        snapshot = recompute(cutoff)
    return snapshot.review
