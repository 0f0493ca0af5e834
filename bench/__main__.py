"""`make bench`: every benchmark on SQLite, then on PostgreSQL where it answers.

Each database run happens in its own process (Django configures one database per process) on a
scratch database: a temporary SQLite file, or BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/edc_bench, created if missing and flushed first).
BENCH_PATIENTS sets the trial size (default 10,000).
"""

import os
import subprocess
import sys

from bench.harness import setup_django

BENCHMARKS = ("audited_save", "import_casebook")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/edc_bench"


def run_here() -> None:
    vendor = setup_django()
    print(f"\n== benchmarks on {vendor} ==", flush=True)
    for name in BENCHMARKS:
        module = __import__(f"bench.{name}", fromlist=["run"])
        print(module.run(), flush=True)
        print(flush=True)


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
        run_here()
        return
    runs = [("sqlite", "")]
    url = postgres_url()
    if url:
        runs.append(("postgresql", url))
    failed = False
    for _name, database_url in runs:
        env = {**os.environ, "BENCH_CHILD": "1", "BENCH_DATABASE_URL": database_url}
        failed |= subprocess.run([sys.executable, "-m", "bench"], env=env).returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
