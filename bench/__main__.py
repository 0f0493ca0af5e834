"""`make bench`: every benchmark on SQLite, then on PostgreSQL where it answers.

Each database run happens in its own process (Django configures one database per process) on a
scratch database: a temporary SQLite file, or BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/edc_bench, created if missing and flushed first).
BENCH_PATIENTS sets the trial size (default 10,000).
"""

import os
import subprocess
import sys
import tempfile

from bench.harness import setup_django, summary_table

BENCHMARKS = ("audited_save:run", "import_casebook:run", "endpoints:run")
WITH_BROKER = ("endpoints:freshness",)
# gunicorn serving the pages and the API, and the report after a change: a production setup
ON_POSTGRES = ("web:run", "report_page:run")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/edc_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


def run_here(names) -> None:
    vendor = setup_django()
    print(f"\n== on {vendor} ==", flush=True)
    for name in names:
        module_name, function = name.split(":")
        module = __import__(f"bench.{module_name}", fromlist=[function])
        print(getattr(module, function)(), flush=True)
        print(flush=True)


def redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return url
    except Exception as exc:  # no Redis here: say so
        print(f"(freshness benchmark skipped: Redis at {url}: {exc})")
        return None


def postgres_url() -> str | None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    try:
        import psycopg2

        name = url.rsplit("/", 1)[1]
        admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        return url
    except Exception as exc:  # no PostgreSQL here: say so, run SQLite only
        print(f"(PostgreSQL benchmarks skipped: {exc})")
        return None


def main() -> None:
    if os.environ.get("BENCH_CHILD"):
        run_here(os.environ["BENCH_CHILD"].split(","))
        return
    databases = [""]
    url = postgres_url()
    if url:
        databases.append(url)
    broker = redis_url()
    failed = False
    summary = tempfile.NamedTemporaryFile(prefix="edc-bench-", suffix=".jsonl", delete=False)
    summary.close()
    for database_url in databases:
        # The synchronous figures time the work itself; in production the recompute that a save
        # schedules runs on a worker, and the freshness run measures that path end to end.
        runs = [(BENCHMARKS, {"RECOMPUTE_ON_CHANGE": "false"})]
        if database_url:
            runs.append((ON_POSTGRES, {"RECOMPUTE_ON_CHANGE": "false"}))
        if broker:
            runs.append((WITH_BROKER, {"CELERY_BROKER_URL": broker}))
        for names, extra in runs:
            env = {**os.environ, "BENCH_CHILD": ",".join(names),
                   "BENCH_DATABASE_URL": database_url, "BENCH_SUMMARY": summary.name, **extra}
            failed |= subprocess.run([sys.executable, "-m", "bench"], env=env).returncode != 0
    print("\n== summary: every figure against the floor measured in the same run ==")
    print(summary_table(summary.name))
    os.unlink(summary.name)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
