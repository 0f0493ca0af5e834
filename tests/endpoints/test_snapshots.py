"""The endpoint report service: loader, snapshots, staleness, the API and the commands."""

import json
import logging
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.accounts import user_api_token
from core.audit import record_save, record_void
from endpoints.models import EndpointSnapshot
from endpoints.report import build_report
from endpoints.serving import endpoint_report
from endpoints.snapshots import data_version, latest_snapshot, recompute
from endpoints.tasks import QUEUED_KEY
from endpoints.trial_rows import load_trial
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from safety.models import DltCandidate
from tests import factories
from tests.conftest import celery_publishing_to, clinical_row_counts
from tests.report_shape import report_shape_problems

pytestmark = pytest.mark.django_db
CUTOFF = date(2025, 6, 30)


def loader_queries(patients: int) -> int:
    bundle_import_json(demo_bundle(patients, seed=patients), replace=True)
    with CaptureQueriesContext(connection) as queries:
        trial = load_trial()
    assert len(trial.patients) == patients
    return len(queries)


def test_the_loader_needs_the_same_queries_at_any_trial_size():
    # The candidates, the twelve reads and the ANC and platelet counts D5 reads (docs/labs.md).
    assert loader_queries(5) == loader_queries(80) == 14


def test_recompute_at_two_sizes_needs_the_same_queries():
    counts = []
    for size in (5, 60):
        bundle_import_json(demo_bundle(size, seed=size), replace=True)
        recompute(CUTOFF)  # each measured recompute then replaces the cutoff's kept snapshot
        with CaptureQueriesContext(connection) as queries:
            recompute(CUTOFF)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_recompute_reads_once_and_agrees_with_the_loader_the_plots_read():
    """The recompute builds the report from one read of every table; the trial the report
    pages and exports load (`load_trial`) must give the same report."""
    bundle_import_json(demo_bundle(40, seed=7), replace=True)
    snapshot = recompute(CUTOFF)  # also raises the DLT candidates the rules find
    assert snapshot.review["findings"], "the demo trial has findings"
    assert snapshot.report == json.loads(json.dumps(build_report(load_trial(), CUTOFF)))


def test_the_cycle_collector_is_back_on_after_a_recompute_even_one_that_fails(monkeypatch):
    import gc

    import endpoints.snapshots as reports

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


def test_a_lab_count_moves_the_data_version(infused_patient, coordinator):
    # D5 reads recovery from the counts: a new count can change the report, so it must make
    # the served snapshot stale
    before = data_version()
    factories.lab_result(infused_patient, day=27, test="platelets", value=80.0)
    assert int(data_version()) > int(before)


def test_todays_snapshot_is_served_stale_while_a_worker_recomputes(infused_patient,
                                                                     coordinator, settings):
    # given a worker's recompute already queued (tasks not run in-process)
    recompute()
    assert endpoint_report(recompute_if_stale=False)["snapshot"]["stale"] is False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.set(QUEUED_KEY, "1")
    try:
        # when data change and a reader asks before the recompute has run
        infused_patient.consent_version = "v2"
        record_save(infused_patient, by=coordinator, reason="new consent form")
        served = endpoint_report(recompute_if_stale=False)["snapshot"]
    finally:
        cache.delete(QUEUED_KEY)
    # then the snapshot is served as it is, said to be stale; the command recomputes it
    assert served["stale"] is True
    fresh = endpoint_report(recompute_if_stale=True)
    assert fresh["snapshot"]["stale"] is False
    assert fresh["snapshot"]["data_version"] == data_version()


def test_without_a_worker_a_stale_todays_report_is_computed_for_the_reader(infused_patient,
                                                                          coordinator):
    # given tasks run in-process, and a change no recompute has seen yet
    recompute()
    infused_patient.consent_version = "v2"
    record_save(infused_patient, by=coordinator, reason="new consent form")
    before = clinical_row_counts()
    # when a reader asks for today's report
    served = endpoint_report(recompute_if_stale=False)["snapshot"]
    # then it is fresh, and the reader's request wrote no clinical data
    assert (served["stale"], served["data_version"]) == (False, data_version())
    assert clinical_row_counts() == before


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
        served = endpoint_report(recompute_if_stale=False)["snapshot"]
    assert Patient.objects.get(pk=infused_patient.pk).consent_version == "v4"
    assert "could not schedule an endpoint recompute" in caplog.text
    assert served["stale"] is True


@pytest.mark.requirement("CON-MGMT-06", "CON-REP-02")
def test_the_report_of_the_demo_trial_has_the_contract_shape(capsys):
    bundle_import_json(demo_bundle(120, seed=9))
    call_command("endpoint_report", "--cutoff", "2025-06-30")
    report = json.loads(capsys.readouterr().out)
    assert report_shape_problems(report) == []
    assert report["cutoff"] == "2025-06-30" and report["populations"]["enrolled"] == 120


@pytest.mark.requirement("CON-MGMT-06", "CON-REP-02")
def test_an_empty_trial_has_the_contract_shape(capsys):
    call_command("endpoint_report")
    assert report_shape_problems(json.loads(capsys.readouterr().out)) == []


@pytest.mark.requirement("CON-MGMT-05")
def test_recompute_endpoints_prints_a_summary(capsys):
    bundle_import_json(demo_bundle(10, seed=2))
    call_command("recompute_endpoints", "--cutoff", "2025-06-30")
    line = capsys.readouterr().out.strip()
    assert line.startswith("endpoints at 2025-06-30: 10 enrolled, ")
    assert "computed in" in line and "data version" in line


@pytest.mark.parametrize(("role", "expected"), [
    ("sponsor", 200), ("monitor", 200), ("investigator", 200), ("admin", 200),
    ("coordinator", 403), (None, 401)])
@pytest.mark.requirement("CON-REP-01")
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


@pytest.mark.requirement("CON-MGMT-06")
def test_the_api_and_the_command_give_the_same_json(capsys):
    bundle_import_json(demo_bundle(15, seed=4))
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
        cursor.execute("SELECT report, review FROM endpoints_endpointsnapshot WHERE id = %s",
                       [snapshot.pk])
        stored, review = cursor.fetchone()
    assert json.loads(stored) == {**report, "cutoff": "2025-06-30"} and json.loads(review) == {}
    assert EndpointSnapshot.objects.get(pk=snapshot.pk).report == json.loads(stored)


# --- Readers do not write, and do not run away ---------------------------------------------

@pytest.fixture
def unreconciled_trial(db):
    """The demo trial imported inside the test's transaction: the recompute its commit would
    queue never runs, so the DLT candidates the rules raise are not stored yet. One infused
    patient has a grade 3 pneumonitis lasting two weeks, which rule D4 flags."""
    bundle = demo_bundle(20, seed=7)
    patient = next(p for p in bundle["patients"] if p["infusions"] and not p.get("death"))
    day0 = date.fromisoformat(patient["infusions"][0]["date"])
    patient["adverse_events"].append({
        "term": "Pneumonitis", "grade": 3, "onset_date": str(day0 + timedelta(days=5)),
        "resolution_date": str(day0 + timedelta(days=20)), "serious": False,
        "relatedness": "possible", "dlt_adjudication": None})
    bundle_import_json(bundle)


@pytest.fixture
def fresh_rate_limits():
    # The on-demand limit counts in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


def sponsor_session(client):
    client.force_login(factories.user("sponsor"))
    return client


def test_reading_the_reports_writes_no_clinical_data(unreconciled_trial, client):
    # given
    client = sponsor_session(client)
    before, version = clinical_row_counts(), data_version()
    # when a past cutoff and today's (neither computed yet) are read
    for url in ("/api/v1/reports/endpoints/?cutoff=2025-06-30",
                "/api/v1/reports/data-review/?cutoff=2024-12-31", "/api/v1/reports/endpoints/",
                "/api/v1/reports/data-review/"):
        assert client.get(url).status_code == 200, url
    # then no record and no history row was added or changed
    assert clinical_row_counts() == before and data_version() == version
    # though the live recompute had candidates to raise
    recompute()
    assert DltCandidate.objects.filter(raised_by=None).exists()


def test_a_report_computed_for_a_reader_is_the_one_the_live_recompute_gives(
        unreconciled_trial):
    # given a past cutoff's report computed for a reader, before the candidates are raised
    endpoint_report(CUTOFF, recompute_if_stale=False)
    for_reader = latest_snapshot(CUTOFF)
    # when the live recompute raises them and computes the same cutoff
    recompute(CUTOFF)
    live = latest_snapshot(CUTOFF)
    # then the report and the data review are the same
    assert int(live.data_version) > int(for_reader.data_version)
    assert for_reader.report["dlt"] == live.report["dlt"]
    assert (for_reader.report, for_reader.review) == (live.report, live.review)
    assert for_reader.review["findings"]


def test_a_stale_past_cutoff_is_recomputed_for_the_reader(infused_patient, coordinator):
    recompute(CUTOFF)
    infused_patient.consent_version = "v2"
    record_save(infused_patient, by=coordinator, reason="new consent form")
    served = endpoint_report(CUTOFF, recompute_if_stale=False)["snapshot"]
    assert (served["stale"], served["data_version"]) == (False, data_version())
    assert EndpointSnapshot.objects.filter(cutoff=CUTOFF).count() == 1


def test_past_cutoffs_are_kept_up_to_the_cap_the_latest_asked(unreconciled_trial, client,
                                                               settings, fresh_rate_limits):
    # given room for 3 past cutoffs
    settings.REPORT_PAST_CUTOFFS_KEPT = 3
    client = sponsor_session(client)
    cutoffs = [date(2025, 1, 1) + timedelta(days=30 * i) for i in range(6)]
    # when a reader asks for 6 of them, each twice
    for cutoff in cutoffs * 2:
        response = client.get(f"/api/v1/reports/endpoints/?cutoff={cutoff}")
        assert response.status_code == 200
    # then the store holds one snapshot for each of the 3 asked last
    assert sorted(EndpointSnapshot.objects.values_list("cutoff", flat=True)) == cutoffs[3:]


def test_todays_cutoff_keeps_its_recent_snapshots(infused_patient):
    from endpoints.snapshots import KEEP_SNAPSHOTS_PER_CUTOFF

    for _ in range(KEEP_SNAPSHOTS_PER_CUTOFF + 2):
        recompute()
    assert EndpointSnapshot.objects.count() == KEEP_SNAPSHOTS_PER_CUTOFF


def test_past_cutoffs_computed_for_a_reader_are_rate_limited(unreconciled_trial, client,
                                                              settings, fresh_rate_limits):
    # given a reader who may have 2 past-cutoff reports computed an hour
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "report_on_demand": "2/hour"}}
    client = sponsor_session(client)
    url = "/api/v1/reports/endpoints/?cutoff={}"
    # when they ask for 3 cutoffs
    statuses = [client.get(url.format(f"2025-0{month}-01")).status_code for month in (1, 2, 3)]
    # then the third is refused with the error body, and nothing was stored for it
    assert statuses == [200, 200, 429]
    refused = client.get(url.format("2025-03-01"))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "REPORT_ON_DEMAND_RATE" in refused.json()["detail"]
    assert refused.json()["problems"] == []
    assert not EndpointSnapshot.objects.filter(cutoff=date(2025, 3, 1)).exists()
    # a cutoff already computed, and today's, are still read
    assert client.get(url.format("2025-01-01")).status_code == 200
    assert client.get("/api/v1/reports/data-review/").status_code == 200
    # and another reader has their own allowance
    client.force_login(factories.user("monitor"))
    assert client.get(url.format("2025-03-01")).status_code == 200


def tomorrow() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("path", ["endpoints", "data-review"])
@pytest.mark.parametrize(("cutoff", "rule"), [
    ("9999-12-31", "is after today"), (tomorrow(), "is after today"),
    ("0001-01-01", "is before 1900-01-01, the earliest clinical date."),
    ("1899-12-31", "is before 1900-01-01, the earliest clinical date.")])
def test_the_api_refuses_a_cutoff_after_today_or_before_1900(client, infused_patient, path,
                                                             cutoff, rule):
    response = sponsor_session(client).get(f"/api/v1/reports/{path}/?cutoff={cutoff}")
    assert response.status_code == 400
    body = response.json()
    assert body["problems"] == [body["detail"]]
    assert body["detail"].startswith(f"cutoff: {cutoff} ") and rule in body["detail"]
    assert not EndpointSnapshot.objects.exists()


@pytest.mark.parametrize("command", ["endpoint_report", "data_review", "recompute_endpoints"])
@pytest.mark.parametrize("cutoff", ["9999-12-31", "0001-01-01", "junk"])
def test_the_commands_refuse_the_same_cutoffs(db, command, cutoff):
    with pytest.raises(CommandError, match=f"--cutoff.*{cutoff}"):
        call_command(command, "--cutoff", cutoff)
    assert not EndpointSnapshot.objects.exists()
