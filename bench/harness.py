"""A throwaway database for a benchmark run, and a timer."""

import atexit
import json
import os
import secrets
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable


def setup_django() -> str:
    """Configure Django on a fresh database: a temporary SQLite file, or BENCH_DATABASE_URL."""
    # Production settings: DEBUG's query log would cost time that a real server does not spend.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("CELERY_BROKER_URL", "")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "")
    scratch = tempfile.mkdtemp(prefix="edc-bench-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    os.environ["VAR_DIR"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trial_edc.settings")
    import django
    from django.core.management import call_command

    django.setup()
    if os.environ["DATABASE_URL"]:
        call_command("flush", "--noinput", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)
    from django.db import connection

    return connection.vendor


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The fastest of `repeats` runs, in seconds: the least disturbed by the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def median_of(repeats: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(rows: list[tuple], headers: tuple) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def summarize(benchmark: str, patients: int | None, figure: str, value: float,
              floor: float | None = None, queries: int | None = None) -> None:
    """Add a row to `make bench`'s closing summary table (a JSON line in BENCH_SUMMARY, which
    the parent process prints once every run is done)."""
    path = os.environ.get("BENCH_SUMMARY")
    if not path:
        return
    from django.db import connection

    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"database": connection.vendor, "benchmark": benchmark,
                              "patients": patients, "figure": figure, "value": value,
                              "floor": floor, "queries": queries}) + "\n")


def summary_table(path: str) -> str:
    """Every summarized figure of the run as one table, with its ratio to its floor."""
    rows = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            r = json.loads(line)
            ratio = f"{r['value'] / r['floor']:.2f}" if r["floor"] else ""
            rows.append((r["database"], r["benchmark"],
                         "" if r["patients"] is None else f"{r['patients']:,}", r["figure"],
                         _number(r["value"]), "" if r["floor"] is None else _number(r["floor"]),
                         ratio, "" if r["queries"] is None else r["queries"]))
    return table(rows, ("database", "benchmark", "patients", "figure", "value", "floor",
                        "× floor", "queries"))


def _number(value: float) -> str:
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
