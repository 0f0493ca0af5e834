"""The endpoint report service: loader, snapshots, staleness, the API and the commands."""

import json
import logging
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from patients.models import Patient
from tests import factories
from tests.conftest import celery_publishing_to
from tests.report_shape import report_shape_problems
from trial_edc.accounts import user_api_token
from trial_edc.audit import record_save, record_void
from trial_edc.casebook import casebook_import_json
from trial_edc.demo_trial import demo_bundle
from trial_edc.models import EndpointSnapshot
from trial_edc.report import build_report
from trial_edc.reports import data_version, endpoint_report, load_trial, recompute
from trial_edc.review import data_review

pytestmark = pytest.mark.django_db
CUTOFF = date(2025, 6, 30)


def loader_queries(patients: int) -> int:
    casebook_import_json(demo_bundle(patients, seed=patients), replace=True)
    with CaptureQueriesContext(connection) as queries:
        trial = load_trial()
    assert len(trial.patients) == patients
    return len(queries)


def test_the_loader_needs_the_same_queries_at_any_trial_size():
    assert loader_queries(5) == loader_queries(80) == 13


def test_recompute_at_two_sizes_needs_the_same_queries():
    counts = []
    for size in (5, 60):
        casebook_import_json(demo_bundle(size, seed=size), replace=True)
        with CaptureQueriesContext(connection) as queries:
            recompute(CUTOFF)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_recompute_reads_once_and_agrees_with_the_standalone_readers():
    """The recompute builds the report and the listing from one read of every table; the
    loader and the listing reading for themselves must give the same."""
    casebook_import_json(demo_bundle(40, seed=7), replace=True)
    snapshot = recompute(CUTOFF)  # also raises the DLT candidates the rules find
    assert snapshot.review["findings"], "the demo trial has findings to compare"
    assert snapshot.review == data_review(CUTOFF)
    assert snapshot.report == json.loads(json.dumps(build_report(load_trial(), CUTOFF)))


def test_the_cycle_collector_is_back_on_after_a_recompute_even_one_that_fails(monkeypatch):
    import gc

    import trial_edc.reports as reports

    recompute(CUTOFF)
    assert gc.isenabled()

    def fail():
        assert not gc.isenabled()  # off while the rows are read and the report built
        raise RuntimeError("the database went away")
    monkeypatch.setattr(reports, "read_trial_rows", fail)
    with pytest.raises(RuntimeError):
        recompute(CUTOFF)
    assert gc.isenabled()


def test_the_data_version_moves_with_every_change_and_only_then(infused_patient, coordinator):
    first = data_version()
    assert data_version() == first
    infused_patient.consent_version = "v2"
    record_save(infused_patient, by=coordinator, reason="new consent form")
    second = data_version()
    record_void(factories.adverse_event(infused_patient), by=coordinator, reason="duplicate")
    assert int(first) < int(second) < int(data_version())


def test_a_snapshot_is_served_stale_after_a_change_until_recomputed(infused_patient,
                                                                    coordinator):
    recompute(CUTOFF)
    assert endpoint_report(CUTOFF, recompute_if_stale=False)["snapshot"]["stale"] is False

    infused_patient.consent_version = "v2"
    record_save(infused_patient, by=coordinator, reason="new consent form")

    assert endpoint_report(CUTOFF, recompute_if_stale=False)["snapshot"]["stale"] is True
    fresh = endpoint_report(CUTOFF, recompute_if_stale=True)
    assert fresh["snapshot"]["stale"] is False
    assert fresh["snapshot"]["data_version"] == data_version()


# Real commits (not captured callbacks): the recompute runs when the save's transaction commits.
@pytest.mark.django_db(transaction=True)
def test_a_committed_change_schedules_a_recompute(infused_patient, coordinator):
    before = EndpointSnapshot.objects.count()
    infused_patient.consent_version = "v3"
    record_save(infused_patient, by=coordinator, reason="new consent form")
    assert EndpointSnapshot.objects.count() == before + 1
    assert EndpointSnapshot.objects.latest().data_version == data_version()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_save_stands_and_the_report_says_stale(
        infused_patient, coordinator, settings, caplog):
    recompute()
    # given a broker and cache that do not answer (a closed port, no mock)
    # (Celery's conf reads the Django settings: capture it before changing them.)
    with celery_publishing_to("redis://127.0.0.1:9/0"), caplog.at_level(logging.ERROR):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": "redis://127.0.0.1:9/0",
                                       "OPTIONS": {"socket_connect_timeout": 0.5}}}
        infused_patient.consent_version = "v4"
        record_save(infused_patient, by=coordinator, reason="new consent form")
    assert Patient.objects.get(pk=infused_patient.pk).consent_version == "v4"
    assert "could not schedule an endpoint recompute" in caplog.text
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert endpoint_report(recompute_if_stale=False)["snapshot"]["stale"] is True


def test_the_report_of_the_demo_trial_has_the_contract_shape(capsys):
    casebook_import_json(demo_bundle(120, seed=9))
    call_command("endpoint_report", "--cutoff", "2025-06-30")
    report = json.loads(capsys.readouterr().out)
    assert report_shape_problems(report) == []
    assert report["cutoff"] == "2025-06-30" and report["populations"]["enrolled"] == 120


def test_an_empty_trial_has_the_contract_shape(capsys):
    call_command("endpoint_report")
    assert report_shape_problems(json.loads(capsys.readouterr().out)) == []


def test_recompute_endpoints_prints_a_summary(capsys):
    casebook_import_json(demo_bundle(10, seed=2))
    call_command("recompute_endpoints", "--cutoff", "2025-06-30")
    line = capsys.readouterr().out.strip()
    assert line.startswith("endpoints at 2025-06-30: 10 enrolled, ")
    assert "computed in" in line and "data version" in line


@pytest.mark.parametrize(("role", "expected"), [
    ("sponsor", 200), ("monitor", 200), ("investigator", 200), ("admin", 200),
    ("coordinator", 403), (None, 401)])
def test_who_reads_the_endpoint_report(role, expected):
    client = APIClient()
    if role:
        client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(factories.user(role))}")
    assert client.get("/api/v1/reports/endpoints/").status_code == expected


def test_the_api_takes_a_cutoff_and_refuses_a_bad_one(client):
    client.force_login(factories.user("sponsor"))
    assert client.get("/api/v1/reports/endpoints/?cutoff=2024-12-31").json()["cutoff"] == \
        "2024-12-31"
    bad = client.get("/api/v1/reports/endpoints/?cutoff=31/12/2024")
    assert bad.status_code == 400
    assert bad.json() == {"detail": "cutoff: '31/12/2024' is not a date YYYY-MM-DD",
                          "problems": ["cutoff: '31/12/2024' is not a date YYYY-MM-DD"]}


def test_the_api_and_the_command_give_the_same_json(capsys):
    casebook_import_json(demo_bundle(15, seed=4))
    call_command("endpoint_report", "--cutoff", "2025-01-31")
    from_command = json.loads(capsys.readouterr().out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(factories.user('sponsor'))}")
    assert client.get("/api/v1/reports/endpoints/?cutoff=2025-01-31").json() == from_command


def test_a_snapshot_keeps_its_documents_as_json_text():
    # given a report with every JSON type and a date (DjangoJSONEncoder writes it as ISO text)
    report = {"n": 3, "rate": 0.25, "none": None, "flag": True, "list": [1, "a"],
              "cutoff": date(2025, 6, 30)}
    # when
    snapshot = EndpointSnapshot.objects.create(cutoff=date(2025, 6, 30), data_version="1",
                                               report=report, duration_ms=1.0)
    # then the column holds JSON text, read back as the same document
    with connection.cursor() as cursor:
        cursor.execute("SELECT report, review FROM trial_edc_endpointsnapshot WHERE id = %s",
                       [snapshot.pk])
        stored, review = cursor.fetchone()
    assert json.loads(stored) == {**report, "cutoff": "2025-06-30"} and json.loads(review) == {}
    assert EndpointSnapshot.objects.get(pk=snapshot.pk).report == json.loads(stored)
