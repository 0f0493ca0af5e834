#!/usr/bin/env bash
# The whole test suite, as `make test` runs it.
#
# Pass 1: SQLite and eager Celery, the newcomer's machine. Always runs.
# Pass 2: the same suite on PostgreSQL, plus the integration tests (a real Redis broker and a
#         real Celery worker). Runs when PostgreSQL and Redis answer; under CI=true it must run.
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

echo "== pass 1: SQLite, Celery in-process =="
if [ "$second_pass" = yes ]; then
    # The integration tests run in pass 2, against the real services.
    $PY -m pytest -m "not integration" "$@"
else
    $PY -m pytest "$@"
fi
first=$?

if [ "$second_pass" = yes ]; then
    echo "== pass 2: PostgreSQL, with a real Redis broker and Celery worker =="
    DATABASE_URL=$PG_URL TEST_REDIS_URL=$REDIS_URL $PY -m pytest "$@"
    second=$?
else
    echo "== pass 2 skipped: PostgreSQL/Redis do not answer (set CI=true to require them) =="
    second=0
fi

if [ $first -ne 0 ] || [ $second -ne 0 ]; then
    exit 1
fi
