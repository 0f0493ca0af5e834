#!/usr/bin/env bash
# Back up the trial database and prove the backup restores: pg_dump in custom format, pg_restore
# into a scratch database, then the row count of every table (the audit history tables
# included) compared between the two. Exit 0 only if every count matches.
#
#   scripts/backup_restore_check.sh [DATABASE_URL] [DUMP_FILE]
#
# DATABASE_URL defaults to $DATABASE_URL (postgres://user[:password]@host:port/name). The dump is
# kept at DUMP_FILE when given (e.g. var/backups/edc-$(date +%F).dump), else removed at the end.
# The role needs CREATEDB: the scratch database <name>_restore_check_<pid> is dropped at the end.
set -euo pipefail

SOURCE=${1:-${DATABASE_URL:?"give a PostgreSQL URL or set DATABASE_URL"}}
SOURCE=${SOURCE%%\?*}
case $SOURCE in postgres://*|postgresql://*) ;; *) echo "not a PostgreSQL URL: $SOURCE" >&2; exit 2;; esac
NAME=${SOURCE##*/}
SERVER=${SOURCE%/*}
SCRATCH_NAME="${NAME}_restore_check_$$"
SCRATCH="$SERVER/$SCRATCH_NAME"
DUMP=${2:-$(mktemp --suffix=.dump)}
KEEP_DUMP=${2:+yes}

cleanup() {
    psql "$SERVER/postgres" -XqAt -c "DROP DATABASE IF EXISTS \"$SCRATCH_NAME\"" >/dev/null || true
    [ -n "$KEEP_DUMP" ] || rm -f "$DUMP"
}
trap cleanup EXIT

# One query: every table of the public schema with its row count, sorted by name.
COUNTS="SELECT table_name || ' ' || (xpath('/row/c/text()', query_to_xml(
          format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')
        ))[1]::text
        FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"

echo "dumping $NAME to $DUMP"
pg_dump --format=custom --no-owner --no-privileges --dbname="$SOURCE" --file="$DUMP"
psql "$SERVER/postgres" -XqAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$SCRATCH_NAME\"" >/dev/null
echo "restoring into $SCRATCH_NAME"
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$SCRATCH" "$DUMP"

original=$(psql "$SOURCE" -XqAt -v ON_ERROR_STOP=1 -c "$COUNTS")
restored=$(psql "$SCRATCH" -XqAt -v ON_ERROR_STOP=1 -c "$COUNTS")
if [ "$original" != "$restored" ]; then
    echo "RESTORE DIFFERS (table rows: original < >, restored):" >&2
    diff <(echo "$original") <(echo "$restored") >&2 || true
    exit 1
fi
tables=$(echo "$original" | wc -l)
history=$(echo "$original" | grep -c '_historical' || true)
rows=$(echo "$original" | awk '{s += $2} END {print s + 0}')
echo "$original"
echo "restore matches: $tables tables ($history audit history tables), $rows rows"
