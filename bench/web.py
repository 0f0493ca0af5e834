"""Pages and API listings served by gunicorn on PostgreSQL, at two trial sizes.

For each size (BENCH_WEB_SIZES, default "1000,10000") the demo trial is loaded, gunicorn
serves the project (2 sync workers, the app preloaded, production settings over plain HTTP),
and a client on loopback sends BENCH_WEB_REQUESTS requests (default 200) per URL from 4
threads, each on its own connection:

- floor: `/healthz`, the simplest view of the project (one `SELECT 1`), through the same server
  and middleware;
- a coordinator's casebook page of one patient (`/patients/<subject>/`);
- the coordinator's patient list (`/patients/`, the first page);
- a sponsor's API listing of adverse events (`/api/v1/adverse-events/`, 100 rows, token).

Each URL gets two rounds; the one with the shorter wall time is kept.

Printed: p50 and p95 latency, throughput, each as a ratio to the floor, and the page's number of
queries (Django's test client in this process, the same view) at each size.
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.harness import summarize, table

ROOT = Path(__file__).resolve().parents[1]
THREADS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "SECURE_SSL_REDIRECT": "false",
           "ALLOWED_HOSTS": "127.0.0.1", "RECOMPUTE_ON_CHANGE": "false",
           "DATABASE_URL": os.environ["BENCH_DATABASE_URL"], "API_TOKEN_RATE": "1000000/minute"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "trial_edc.wsgi", "--workers", "2", "--preload",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status = _get(port, "/healthz", {})[0]
            if status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def _get(port: int, path: str, headers: dict, connection=None) -> tuple[int, bytes]:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _load(port: int, path: str, headers: dict, requests: int) -> tuple[list[float], float]:
    """Latencies (s) of `requests` GETs from THREADS keep-alive connections, and the wall time."""
    per_thread = requests // THREADS

    def client(_):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        times = []
        for _ in range(per_thread):
            start = time.perf_counter()
            status, _body = _get(port, path, headers, conn)
            times.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"GET {path}: HTTP {status}")
        conn.close()
        return times

    for _ in range(2 * THREADS):  # every worker has served the URL once: imports, caches
        _get(port, path, headers)
    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        latencies = [t for times in pool.map(client, range(THREADS)) for t in times]
    return latencies, time.perf_counter() - start


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def _credentials():
    from django.test import Client

    from core.accounts import user_api_token
    from tests import factories

    coordinator = factories.user("coordinator", username="bench-web-coordinator")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(coordinator)
    session = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    sponsor = factories.user("sponsor", username="bench-web-sponsor")
    token = {"Authorization": f"Token {user_api_token(sponsor)}"}
    return browser, session, token


def _queries(browser, path: str, headers: dict) -> int:
    """The view's queries, served in this process: the signed-in coordinator's client for
    pages, a fresh client with the token for the API."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    token = headers.get("Authorization")
    client = browser if token is None else Client(HTTP_HOST="127.0.0.1",
                                                    HTTP_AUTHORIZATION=token)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, secure=True)  # production settings redirect plain HTTP
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


def web_rows() -> list[tuple]:
    from django.core.management import call_command

    from bench.endpoints import _reload
    from patients.models import Patient

    # Production settings serve hashed static files: collect them into the scratch VAR_DIR.
    call_command("collectstatic", "--noinput", verbosity=0)
    sizes = [int(s) for s in os.environ.get("BENCH_WEB_SIZES", "1000,10000").split(",")]
    requests = int(os.environ.get("BENCH_WEB_REQUESTS", "200"))
    rows = []
    for size in sizes:
        _reload(size)
        browser, session, token = _credentials()
        subject = Patient.objects.order_by("subject_id").values_list("subject_id",
                                                                     flat=True)[size // 2]
        urls = [("floor /healthz", "/healthz", {}),
                ("casebook page", f"/patients/{subject}/", session),
                ("patient list", "/patients/", session),
                ("API adverse events", "/api/v1/adverse-events/?page_size=100", token)]
        port = _free_port()
        server = _serve(port)
        try:
            floor = None
            for label, path, headers in urls:
                # The better of two rounds, as the other benchmarks take the best of their
                # runs: one stalled connection (a TCP retry on loopback) can cost a second.
                latencies, wall = min((_load(port, path, headers, requests) for _ in range(2)),
                                      key=lambda result: result[1])
                p50, p95 = statistics.median(latencies), _p95(latencies)
                throughput = len(latencies) / wall
                floor = floor or (p50, p95, throughput)
                queries = "" if path == "/healthz" else _queries(browser, path, headers)
                for figure, value, floor_value in (("p50 ms", p50 * 1000, floor[0] * 1000),
                                                   ("p95 ms", p95 * 1000, floor[1] * 1000),
                                                   ("req/s", throughput, floor[2])):
                    summarize(f"web: {label}", size, figure, value, floor_value,
                              queries or None)
                rows.append((f"{size:,}", label, f"{p50 * 1000:.1f}",
                             f"{p50 / floor[0]:.1f}", f"{p95 * 1000:.1f}",
                             f"{p95 / floor[1]:.1f}", f"{throughput:.0f}",
                             f"{throughput / floor[2]:.2f}", queries))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


def run() -> str:
    return "\n".join([
        "pages and API under gunicorn (2 workers, 4 client threads; floor: /healthz)",
        table(web_rows(), ("patients", "url", "p50 ms", "× floor", "p95 ms", "× floor",
                           "req/s", "× floor", "queries"))])
