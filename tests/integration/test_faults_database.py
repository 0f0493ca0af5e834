"""PostgreSQL faults (issue 8): a connection dropped mid-write, two users saving the same
record at once, and a casebook import killed half-way. Each leaves the database as it was, or
with exactly one of the competing writes."""

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import psycopg2
import pytest
from django.db import InterfaceError, OperationalError, connection, connections
from django.test import Client

from core.audit import StaleRecordError, record_save
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from safety.models import AdverseEvent
from tests import factories
from tests.conftest import skip_or_fail
from tests.crf_payloads import form_data
from tests.integration.conftest import ROOT, shared_database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def on_postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: make test runs this pass when 127.0.0.1:5432 answers")


@contextmanager
def second_connection():
    """A plain connection beside Django's, as a database administrator's would be; autocommit,
    closed on leaving (psycopg2's own `with` would leave it open)."""
    db = connection.settings_dict
    admin = psycopg2.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                             host=db["HOST"], port=db["PORT"])
    admin.autocommit = True
    try:
        yield admin
    finally:
        admin.close()


def backend_pid(alias: str = "default") -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@contextmanager
def connection_dropped_before(matches):
    """Terminate this process's database backend (from a second connection, as a crash or a
    network cut would) just before the first query for which `matches(sql, params)` holds."""
    pid = backend_pid()
    dropped = []

    def terminate_first(execute, sql, params, many, context):
        if not dropped and matches(sql, params or ()):
            with second_connection() as admin, admin.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            dropped.append(sql)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(terminate_first):
            yield dropped
    finally:
        connection.close()  # the next query opens a fresh connection


def history_rows(model) -> int:
    return model.history.count()


def test_a_crf_post_whose_connection_drops_mid_save_fails_cleanly(coordinator, infused_patient):
    # given an adverse event and a coordinator editing it
    ae = factories.adverse_event(infused_patient, grade=2)
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    before = (AdverseEvent.objects.get(pk=ae.pk).grade, ae.row_version, history_rows(AdverseEvent))

    # when the connection drops after the record's UPDATE, before its history row
    with connection_dropped_before(
            lambda sql, _: sql.startswith('INSERT INTO "safety_historicaladverseevent"')) as cut:
        response = client.post(f"/patients/RD-001/adverse-event/{ae.pk}/edit/",
                               form_data("adverse-event", grade=3, row_version=ae.row_version,
                                         reason="source re-read"))

    # then the user gets a server error and nothing of the edit is stored
    assert cut, "the connection was never dropped: the test did not reach the history write"
    assert response.status_code == 500
    stored = AdverseEvent.objects.get(pk=ae.pk)
    assert (stored.grade, stored.row_version, history_rows(AdverseEvent)) == before

    # and the same post goes through once the database answers again
    again = client.post(f"/patients/RD-001/adverse-event/{ae.pk}/edit/",
                        form_data("adverse-event", grade=3, row_version=ae.row_version,
                                  reason="source re-read"))
    assert again.status_code == 302
    assert AdverseEvent.objects.get(pk=ae.pk).grade == 3


def test_an_import_whose_connection_drops_half_way_writes_nothing(db):
    # given a bundle; when the connection drops after its patients, before its adverse events
    with connection_dropped_before(lambda _, params: "safety_adverseevent" in params) as cut, \
            pytest.raises((OperationalError, InterfaceError)):
        bundle_import_json(demo_bundle(10, 2))

    # then nothing of it is in the database, and it imports whole when tried again
    assert cut
    assert (Patient.all_objects.count(), history_rows(Patient)) == (0, 0)
    bundle_import_json(demo_bundle(10, 2))
    assert (Patient.all_objects.count(), history_rows(Patient)) == (10, 10)


def test_two_users_saving_one_record_at_once_one_wins_and_nothing_is_lost(infused_patient):
    # given two coordinators who both loaded the patient at row_version N
    first_user, second_user = factories.user(), factories.user("investigator")
    history_before = history_rows(Patient)
    first_copy, second_copy = (Patient.objects.get(pk=infused_patient.pk) for _ in range(2))
    first_copy.consent_version, second_copy.consent_version = "first", "second"
    first_written, second_waiting = threading.Event(), threading.Event()
    outcome, pids = {}, {}

    def save(name, copy, user):
        try:
            pids[name] = backend_pid()
            if name == "first":
                # Hold the transaction open after its writes, until the second save is
                # blocked on the row: the race where a lost update would happen.
                def pause_before_commit(execute, sql, params, many, context):
                    result = execute(sql, params, many, context)
                    if sql.startswith('INSERT INTO "patients_historicalpatient"'):
                        first_written.set()
                        second_waiting.wait(30)
                    return result

                with connection.execute_wrapper(pause_before_commit):
                    record_save(copy, by=user, reason="consent re-signed")
            else:
                record_save(copy, by=user, reason="consent re-signed")
            outcome[name] = "saved"
        except StaleRecordError:
            outcome[name] = "stale"
        finally:
            connection.close()

    first = threading.Thread(target=save, args=("first", first_copy, first_user))
    second = threading.Thread(target=save, args=("second", second_copy, second_user))

    # when both save, the second while the first's transaction is still open
    first.start()
    assert first_written.wait(30)
    second.start()
    with second_connection() as admin, admin.cursor() as cursor:
        deadline = time.monotonic() + 30
        while not second_waiting.is_set() and time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                           [pids.get("second")])
            if (cursor.fetchone() or [None])[0] == "Lock":
                second_waiting.set()
            time.sleep(0.02)
    second_waiting.set()
    first.join(30)
    second.join(30)

    # then the first is saved, the second refused as stale, and one history row was added
    assert outcome == {"first": "saved", "second": "stale"}
    stored = Patient.objects.get(pk=infused_patient.pk)
    assert (stored.consent_version, stored.row_version) == ("first",
                                                            infused_patient.row_version + 1)
    assert history_rows(Patient) == history_before + 1


def relation_written_by_another_backend(cursor, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = %s AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid() "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [table])
    return cursor.fetchone() is not None


def import_command(path) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": shared_database_url(),
           "CELERY_BROKER_URL": "", "RECOMPUTE_ON_CHANGE": "false"}
    return subprocess.Popen([sys.executable, "manage.py", "import_casebook", str(path)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def test_an_import_killed_half_way_leaves_nothing_and_a_rerun_imports_all(db, tmp_path):
    # given a large bundle being imported by the command
    import json

    bundle = tmp_path / "trial.json"
    bundle.write_text(json.dumps(demo_bundle(150, 9)))
    command = import_command(bundle)

    # when it is killed once it is writing adverse events (its patients already written)
    with second_connection() as admin, admin.cursor() as cursor:
        deadline = time.monotonic() + 60
        while not relation_written_by_another_backend(cursor, "safety_adverseevent"):
            assert command.poll() is None, command.communicate()[0]
            assert time.monotonic() < deadline, "the import never reached its adverse events"
            time.sleep(0.02)
    command.kill()
    command.wait()

    # then nothing of it is in the database, and a rerun imports it all
    assert (Patient.all_objects.count(), history_rows(Patient)) == (0, 0)
    rerun = import_command(bundle)
    output, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, output
    assert (Patient.all_objects.count(), history_rows(Patient)) == (150, 150)
    assert AdverseEvent.objects.count() == sum(
        len(p.get("adverse_events") or ()) for p in json.loads(bundle.read_text())["patients"])
