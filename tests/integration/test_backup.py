"""The backup and restore of docs/operations.md: scripts/backup_restore_check.sh dumps the
PostgreSQL test database, restores it into a scratch database and compares every table's row
count, the audit history tables included (pass 3 of `make test`; required under CI=true)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from safety.models import AdverseEvent
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "backup_restore_check.sh"


@pytest.fixture
def database_url():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: make test runs this pass when 127.0.0.1:5432 answers")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        skip_or_fail("pg_dump and pg_restore are not installed (apt-get install postgresql-client)")
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def counted(output: str) -> dict[str, int]:
    return {table: int(rows) for table, rows in
            (line.split() for line in output.splitlines() if line.count(" ") == 1)}


def test_a_backup_restores_with_every_row_and_its_audit_history(database_url, tmp_path):
    # given a committed trial, with the import's audit history
    bundle_import_json(demo_bundle(5, seed=11))
    dump = tmp_path / "edc.dump"
    # when the script backs it up and restores the backup
    result = subprocess.run(["bash", str(SCRIPT), database_url, str(dump)], capture_output=True,
                            text=True, timeout=300)
    # then every table's rows came back, and the counts are the database's own
    assert result.returncode == 0, result.stderr
    assert "restore matches" in result.stdout
    tables = counted(result.stdout)
    assert tables["patients_patient"] == Patient.all_objects.count() == 5
    assert tables["patients_historicalpatient"] == Patient.history.count() >= 5
    assert tables["safety_historicaladverseevent"] == AdverseEvent.history.count() > 0
    assert dump.stat().st_size > 0  # kept where asked


def test_the_check_refuses_what_is_not_a_postgresql_url(tmp_path):
    result = subprocess.run(["bash", str(SCRIPT), f"sqlite:///{tmp_path}/edc.sqlite3"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "not a PostgreSQL URL" in result.stderr
