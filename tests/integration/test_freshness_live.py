"""Endpoint freshness through the real path: a committed CRF save → on_commit → Redis → a real
worker → a new snapshot in PostgreSQL."""

import time
from datetime import date

import pytest

from core.audit import record_save
from endpoints.freshness import COALESCE_SECONDS
from endpoints.models import EndpointSnapshot
from endpoints.snapshots import data_version
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from reporting.models import SnapshotDrawing
from reporting.plots import PLOT_NAMES, page_plot_name
from tests import factories
from tests.integration.conftest import wait_for_snapshot_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_crf_save_produces_a_fresh_snapshot(live_celery):
    bundle_import_json(demo_bundle(20, 3))
    wait_for_snapshot_of(data_version())
    patient = Patient.objects.order_by("subject_id").first()
    patient.off_study_date, patient.off_study_reason = date(2025, 6, 1), "withdrew consent"

    record_save(patient, by=factories.user(), reason="patient withdrew")

    snapshot = wait_for_snapshot_of(data_version())
    assert snapshot.report["populations"]["enrolled"] == 20


def test_a_burst_of_saves_coalesces_into_a_handful_of_recomputes(live_celery):
    bundle_import_json(demo_bundle(10, 4))
    wait_for_snapshot_of(data_version())
    before = EndpointSnapshot.objects.count()
    coordinator = factories.user()
    patients = list(Patient.objects.all())

    started = time.perf_counter()
    for i in range(100):
        patient = patients[i % len(patients)]
        patient.consent_version = f"v{i}"
        record_save(patient, by=coordinator, reason="burst")
    burst = time.perf_counter() - started

    wait_for_snapshot_of(data_version())
    recomputes = EndpointSnapshot.objects.count() - before
    # At most one recompute per coalescing window of the burst, and the one after it.
    most = burst / COALESCE_SECONDS + 2
    assert 1 <= recomputes <= min(most, 25), (
        f"{recomputes} recomputes for 100 saves in {burst:.1f} s")


def test_the_worker_stores_the_plots_with_the_snapshot_and_draws_its_pdfs_in_a_task_of_their_own(
        live_celery):
    bundle_import_json(demo_bundle(8, 5))
    # the snapshot is never seen without the page's plots
    snapshot = wait_for_snapshot_of(data_version())
    assert set(SnapshotDrawing.objects.filter(snapshot=snapshot, format="svg")
               .values_list("name", flat=True)) >= {page_plot_name(n) for n in PLOT_NAMES}
    # and the PDF task, queued by the recompute, draws both versions on the worker
    deadline = time.monotonic() + 90
    pdfs: set[str] = set()
    while time.monotonic() < deadline and pdfs != {"report", "report-stale"}:
        time.sleep(0.5)
        latest = EndpointSnapshot.objects.filter(cutoff=snapshot.cutoff).latest("computed_at",
                                                                                "pk")
        pdfs = set(SnapshotDrawing.objects.filter(snapshot=latest, format="pdf")
                   .values_list("name", flat=True))
    assert pdfs == {"report", "report-stale"}
