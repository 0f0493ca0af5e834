#!/usr/bin/env bash
# The whole test suite, as `make test` runs it.
#
# Pass 1: SQLite and eager Celery, the newcomer's machine, browser tests included. Always runs.
# Pass 2: the suite on PostgreSQL, beside pass 1 (the browser tests and the database-free
#         tests are pass 1's), then pass 3: the integration tests (PostgreSQL, a real Redis
#         broker and real Celery workers). Run when PostgreSQL and Redis answer; under CI=true
#         they must run.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG=true

PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/trial_edc}
REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

services_answer() {
    TEST_POSTGRES_URL=$PG_URL TEST_REDIS_URL=$REDIS_URL $PY scripts/services_answer.py
}

if services_answer; then
    second_pass=yes
elif [ "${CI:-}" = "true" ]; then
    echo "CI=true but PostgreSQL ($PG_URL) or Redis ($REDIS_URL) does not answer: failing." >&2
    exit 1
else
    second_pass=no
fi

# Tests that read no database (the docs, the repository, the settings, a fresh checkout that
# brings its own SQLite): pass 1 runs them; pass 2 does not repeat them.
DATABASE_FREE=(tests/test_docs.py tests/test_repository.py tests/test_validation_report.py
               tests/test_deployment.py tests/test_settings.py tests/test_floors.py
               tests/test_crawler.py)

if [ "$second_pass" = no ]; then
    echo "== pass 1: SQLite, Celery in-process =="
    $PY -m pytest "$@"
    first=$?
    echo "== pass 2 skipped: PostgreSQL/Redis do not answer (set CI=true to require them) =="
    exit $first
fi

# Pass 1 and pass 2 run side by side, one per core: pass 1 (SQLite) holds the browser tests,
# pass 2 (PostgreSQL) every other test but the database-free ones; its output is printed when
# both have finished. Then the integration tests run alone, so that the real worker's and the
# broker's timings are not squeezed by a test pass beside them.
second_log=$(mktemp)
trap 'rm -f "$second_log"' EXIT
ignores=()
for path in "${DATABASE_FREE[@]}"; do ignores+=(--ignore="$path"); done
DATABASE_URL=$PG_URL TEST_REDIS_URL=$REDIS_URL $PY -m pytest -p no:cacheprovider \
    -m "not integration and not e2e" "${ignores[@]}" "$@" >"$second_log" 2>&1 &
second_pid=$!

echo "== pass 1: SQLite, Celery in-process (pass 2 runs beside it) =="
$PY -m pytest -m "not integration" "$@"
first=$?
wait $second_pid
second=$?

echo "== pass 2: PostgreSQL (ran beside pass 1) =="
cat "$second_log"

echo "== pass 3: the integration tests: PostgreSQL, a real Redis broker and Celery worker =="
DATABASE_URL=$PG_URL TEST_REDIS_URL=$REDIS_URL $PY -m pytest -m integration "$@"
third=$?
# pytest exits 5 when a selection holds no test (a run of chosen files without any).
[ $third -eq 5 ] && third=0
[ $second -eq 5 ] && second=0

if [ $first -ne 0 ] || [ $second -ne 0 ] || [ $third -ne 0 ]; then
    exit 1
fi
