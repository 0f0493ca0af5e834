"""The report page and its PDF after a data change, as a sponsor reads them, at two trial sizes.

Production's path: a worker runs the live recompute, which draws the page's plots beside each
snapshot and queues the task that draws its PDF (`reporting.drawings`); until it has, the page
serves the previous snapshot, stale. For each size (BENCH_REPORT_SIZES, default "1000,10000")
the demo trial is loaded and, BENCH_REPORT_CHANGES times (default 10): one audited save (a
patient's consent version), then the sponsor's first view of `/reports/` (the stale snapshot,
with its drawings) and the PDF; the worker's recompute, then the PDF task it queued (their
times are reported too); the first view of the new snapshot and the PDF again. The requests go
through Django's test client in this process (the whole middleware stack,
production settings), with its session.

Floor: `/healthz` (one `SELECT 1`) through the same client. Printed: p50 and p95 of the page and
of the PDF after a change, each as a ratio to the floor; the page's bytes (the same at every size:
the plots show a bounded number of patients) and queries; the worker's median recompute with
drawing, and its median PDF task.
"""

import os
import statistics
import time
from unittest import mock

from bench.harness import summarize, table

FLOOR_REQUESTS = 50


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def _timed_get(client, path: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    response = client.get(path, secure=True)  # production settings redirect plain HTTP
    seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
    return seconds, response.content


def report_rows() -> list[tuple]:
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from bench.endpoints import _reload
    from core.audit import record_save
    from endpoints.snapshots import recompute
    from endpoints.tasks import QUEUED_KEY
    from patients.models import Patient
    from reporting.tasks import draw_report_pdfs_task
    from tests import factories

    # Production settings serve hashed static files: collect them into the scratch VAR_DIR.
    call_command("collectstatic", "--noinput", verbosity=0)
    sizes = [int(s) for s in os.environ.get("BENCH_REPORT_SIZES", "1000,10000").split(",")]
    changes = int(os.environ.get("BENCH_REPORT_CHANGES", "10"))
    rows = []
    # A worker recomputes (the page serves the stale snapshot meanwhile, and a queued recompute
    # is marked so that a save schedules no other) and draws.
    # The PDF task the recompute queues is run next, as the worker would, and timed apart.
    queued = []
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, RECOMPUTE_ON_CHANGE=False,
                           REPORT_DRAWN_BY_RECOMPUTE=True), \
            mock.patch.object(draw_report_pdfs_task, "delay", queued.append):
        for size in sizes:
            _reload(size)
            coordinator = factories.user("coordinator", username=f"bench-report-coord-{size}")
            sponsor = factories.user("sponsor", username=f"bench-report-sponsor-{size}")
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(sponsor)
            cache.set(QUEUED_KEY, "1", timeout=None)
            recompute()
            _run(draw_report_pdfs_task, queued)
            _timed_get(client, "/reports/")  # imports, the template's first compile
            floor = [_timed_get(client, "/healthz")[0] for _ in range(FLOOR_REQUESTS)]
            patients = list(Patient.objects.order_by("pk")[:changes])
            pages, pdfs, worker, pdf_tasks = [], [], [], []
            for patient in patients:
                patient.consent_version = f"bench-{time.time_ns()}"[:20]
                record_save(patient, by=coordinator, reason="benchmark: a data change")
                seconds, body = _timed_get(client, "/reports/")  # the stale snapshot
                pages.append(seconds)
                pdfs.append(_timed_get(client, "/reports/report.pdf")[0])
                start = time.perf_counter()
                recompute()  # the worker's live recompute, drawing the page's plots with it
                worker.append(time.perf_counter() - start)
                pdf_tasks.append(_run(draw_report_pdfs_task, queued))
                pages.append(_timed_get(client, "/reports/")[0])  # the new snapshot
                pdfs.append(_timed_get(client, "/reports/report.pdf")[0])
            with CaptureQueriesContext(connection) as queries:
                _timed_get(client, "/reports/")
            cache.delete(QUEUED_KEY)
            floor_p50, floor_p95 = statistics.median(floor), _p95(floor)
            for label, times in (("report page", pages), ("report PDF", pdfs)):
                p50, p95 = statistics.median(times), _p95(times)
                summarize(f"after a change: {label}", size, "p50 ms", p50 * 1000,
                          floor_p50 * 1000, len(queries) if label == "report page" else None)
                summarize(f"after a change: {label}", size, "p95 ms", p95 * 1000,
                          floor_p95 * 1000)
                rows.append((f"{size:,}", label, f"{p50 * 1000:.0f}", f"{p50 / floor_p50:.0f}",
                             f"{p95 * 1000:.0f}", f"{p95 / floor_p95:.0f}",
                             f"{len(body):,}" if label == "report page" else "",
                             len(queries) if label == "report page" else ""))
            summarize("worker: recompute and drawing", size, "p50 ms",
                      statistics.median(worker) * 1000)
            rows.append((f"{size:,}", "worker: recompute and drawing",
                         f"{statistics.median(worker) * 1000:.0f}", "", "", "", "", ""))
            summarize("worker: the PDF task", size, "p50 ms", statistics.median(pdf_tasks) * 1000)
            rows.append((f"{size:,}", "worker: the PDF task",
                         f"{statistics.median(pdf_tasks) * 1000:.0f}", "", "", "", "", ""))
            rows.append((f"{size:,}", "floor /healthz", f"{floor_p50 * 1000:.1f}", "1",
                         f"{floor_p95 * 1000:.1f}", "1", "", ""))
    return rows


def _run(task, queued: list) -> float:
    """The queued tasks run as the worker runs them, one after the other: their seconds."""
    start = time.perf_counter()
    while queued:
        task(queued.pop(0))
    return time.perf_counter() - start


def run() -> str:
    return "\n".join([
        "report page and PDF after a data change (a sponsor, test client; floor: /healthz)",
        table(report_rows(), ("patients", "what", "p50 ms", "× floor", "p95 ms", "× floor",
                              "page bytes", "queries"))])
