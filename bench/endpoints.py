"""Endpoint recompute at trial scale, queries per recompute, and freshness with a live worker.

Floor: the same rows fetched with one raw query per table into Python tuples. Measured: the full
recompute (`endpoints.snapshots.recompute`: the loader's queries, building the frozen inputs, every
endpoint, storing the snapshot). Sizes: BENCH_SIZES (default "100,10000"; add 100000 for the
largest row, which takes minutes to import). Freshness runs in its own process with a broker
(bench/__main__.py): p50/p95 from a committed save to the snapshot that includes it.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import best_of, summarize, table

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("patients_patient", "dosing_infusion", "dosing_doselevel", "safety_adverseevent",
          "safety_dltcandidate", "safety_dltadjudication", "efficacy_responseassessment",
          "efficacy_diseaseevent", "efficacy_hsct", "efficacy_death", "patients_followupcontact",
          "pk_pksample")


def _reload(patients: int):
    from exchange.demo_trial import demo_bundle
    from exchange.services import bundle_import_json

    bundle_import_json(demo_bundle(patients, seed=1), replace=True)


def _floor():
    from django.db import connection

    from safety.iec_hs_labs import IEC_HS_TESTS

    with connection.cursor() as cursor:
        for name in TABLES:
            cursor.execute(f'SELECT * FROM "{name}" WHERE voided_at IS NULL'
                           if name != "dosing_doselevel" else f'SELECT * FROM "{name}"')
            cursor.fetchall()
        # The laboratory results the recompute reads (the counts, the IEC-HS check's tests).
        tests = ", ".join(["%s"] * len(IEC_HS_TESTS))
        cursor.execute(f'SELECT * FROM "labs_labresult" WHERE voided_at IS NULL AND test IN '
                       f"({tests})", list(IEC_HS_TESTS))
        cursor.fetchall()


def scale_rows() -> list[tuple]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from endpoints.snapshots import recompute

    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "100,10000").split(",")]
    rows = []
    for size in sizes:
        _reload(size)
        floor = best_of(3, _floor)
        recompute()  # the first one raises the DLT candidates of the freshly loaded trial
        with CaptureQueriesContext(connection) as queries:
            recompute()
        seconds = best_of(3, recompute)
        infused = recompute().report["populations"]["infused"]
        summarize("endpoint recompute", size, "ms", seconds * 1000, floor * 1000, len(queries))
        rows.append((f"{size:,}", f"{infused:,}", f"{floor * 1000:.0f}", f"{seconds * 1000:.0f}",
                     f"{seconds / floor:.1f}", len(queries)))
    return rows


def freshness_rows(patients: int = 1000, saves: int = 20) -> list[tuple]:
    """Runs in a process whose settings have CELERY_BROKER_URL (see bench/__main__.py)."""
    import redis
    from django.conf import settings
    from django.db import connection

    from core.audit import record_save
    from endpoints.snapshots import data_version, latest_snapshot
    from patients.models import Patient
    from tests import factories

    url = settings.CELERY_BROKER_URL
    redis.Redis.from_url(url).flushdb()  # the benchmark's own Redis database
    _reload(patients)
    db = connection.settings_dict
    database_url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{db['NAME']}"
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "trial_edc", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--loglevel=error"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latencies = []
    try:
        coordinator = factories.user("coordinator", username="bench-fresh")
        wait_fresh(data_version(), latest_snapshot, 120)  # the worker is up and caught up
        for i, patient in enumerate(Patient.objects.all()[:saves]):
            patient.consent_version = f"bench-{i}"
            start = time.perf_counter()
            record_save(patient, by=coordinator, reason="freshness benchmark")
            wait_fresh(data_version(), latest_snapshot, 60)
            latencies.append(time.perf_counter() - start)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    summarize("freshness (save → snapshot)", patients, "p50 ms",
              statistics.median(latencies) * 1000)
    summarize("freshness (save → snapshot)", patients, "p95 ms", p95 * 1000)
    return [(f"{patients:,}", saves, f"{statistics.median(latencies) * 1000:.0f}",
             f"{p95 * 1000:.0f}")]


def wait_fresh(version: str, latest_snapshot, seconds: float):
    from django.utils import timezone

    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        snapshot = latest_snapshot(timezone.localdate())
        if snapshot is not None and int(snapshot.data_version) >= int(version):
            return
        time.sleep(0.01)
    raise RuntimeError(f"no snapshot of data version {version} within {seconds:g} s")


def freshness() -> str:
    return "\n".join(["freshness: committed save → snapshot including it (live worker, Redis)",
                      table(freshness_rows(), ("patients", "saves", "p50 ms", "p95 ms"))])


def run() -> str:
    return "\n".join(["endpoint recompute (floor: the same rows, one raw query per table)",
                      table(scale_rows(), ("patients", "infused", "floor ms", "recompute ms",
                                           "× floor", "queries"))])
