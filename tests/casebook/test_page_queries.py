"""Every list and review page takes a fixed number of queries whatever the trial's size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casebook import patient_views
from core.audit import record_save
from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from monitoring.models import CasebookLock
from monitoring.reviews import casebook_lock, casebook_unlock
from monitoring.services import query_raise
from patients.models import Patient
from safety.models import AdverseEvent, DltCandidate
from safety.services import dlt_candidate_raise
from signoff.models import CasebookSignature
from signoff.services import casebook_sign
from tests import factories
from tests.dlt import reconcile_candidates

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # the factories' default
PAGES = ["/patients/", "/patients/?q=T-ALL", "/patients/RD-001/", "/dlt-review/", "/queries/"]


def queries_per_page(client, patients: int) -> dict[str, int]:
    bundle_import_json(demo_bundle(patients, seed=7), replace=True)
    reconcile_candidates()  # what the recompute after an import does
    # A queue that is never empty, so that both sizes read its candidates and decisions.
    dlt_candidate_raise(adverse_event=AdverseEvent.objects.order_by("pk").first(),
                        by=factories.user("investigator"), rationale="suspected DLT")
    counts = {}
    for page in PAGES:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        counts[page] = len(captured)
    return counts


def test_pages_take_the_same_number_of_queries_for_a_small_and_a_larger_trial(client):
    # given
    client.force_login(factories.user("coordinator"))
    # when
    small = queries_per_page(client, patients=3)
    small_candidates = DltCandidate.objects.count()
    larger = queries_per_page(client, patients=15)
    # then
    assert DltCandidate.objects.count() > small_candidates  # the queue did grow
    assert small == larger, (small, larger)


LIST_PAGES = ["/patients/", "/patients/?page=2", "/patients/?q=RD&page=2"]


def patient_list_queries(client, patients: int) -> tuple[dict[str, int], int]:
    """Queries of each of the patient list's pages, and the rows its first page shows."""
    bundle_import_json(demo_bundle(patients, seed=7), replace=True)
    counts = {}
    for page in LIST_PAGES:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        assert response.status_code == 200
        counts[page] = len(captured)
    return counts, len(client.get("/patients/").context["rows"])


def test_the_patient_list_takes_the_same_queries_and_shows_one_page_at_two_sizes(client):
    # given
    client.force_login(factories.user("coordinator"))
    # when: both sizes are over a page, the larger one three pages
    small, small_rows = patient_list_queries(client, patients=60)
    larger, larger_rows = patient_list_queries(client, patients=150)
    # then
    assert small == larger, (small, larger)
    assert small_rows == larger_rows == patient_views.PATIENTS_PER_PAGE


def recording(read, asked: list):
    """`read`, noting the patients (or patient ids) it is asked about."""
    def wrapper(patients, *args):
        asked.append({getattr(p, "pk", p) for p in patients})
        return read(patients, *args)
    return wrapper


def test_the_patient_list_reads_its_columns_for_the_shown_page_only(client, monkeypatch):
    # given: the list's per-row reads (overdue visits, open queries, locks) are watched
    client.force_login(factories.user("coordinator"))
    bundle_import_json(demo_bundle(150, seed=7), replace=True)
    asked = []
    for read in ("calendars", "open_query_counts", "locked_patient_ids"):
        monkeypatch.setattr(patient_views, read, recording(getattr(patient_views, read), asked))
    # when
    response = client.get("/patients/?page=2")
    # then
    page_ids = {row["patient"].pk for row in response.context["rows"]}
    assert len(page_ids) == patient_views.PATIENTS_PER_PAGE
    assert asked == [page_ids] * 3


def _monitored_trial(patients: int, *, monitor, investigator, coordinator) -> str:
    """A trial where every casebook is signed, every other one locked (RD-002, RD-004…), every
    third one changed after signing (RD-001, RD-004…), with an open query on a field of each:
    what the changed pages show. Returns the URL of RD-001's CRS (adverse event) record."""
    bundle_import_json(demo_bundle(patients, seed=7), replace=True)
    reconcile_candidates()
    for i, patient in enumerate(Patient.objects.order_by("subject_id")):
        casebook_sign(patient=patient, by=investigator, password=PASSWORD)
        event = AdverseEvent.objects.filter(patient=patient).order_by("pk").first()
        if event is not None:
            query_raise(record=event, patient=patient, field_name="grade", question="Grade?",
                        by=monitor)
        if i % 3 == 0:
            patient.age_at_consent += 1
            record_save(patient, by=coordinator, reason="age re-checked")
        if i % 2 == 1:
            casebook_lock(patient=patient, by=monitor, reason="ready for database lock")
    return "/patients/RD-001/adverse-event/{}/".format(
        AdverseEvent.objects.filter(patient__subject_id="RD-001").order_by("pk").first().pk)


def _unlock_all(monitor):
    """A replacing import is refused while casebooks are locked."""
    for lock in CasebookLock.objects.filter(locked_at__isnull=False).select_related("patient"):
        casebook_unlock(patient=lock.patient, by=monitor, reason="next trial size")


def monitored_page_queries(client, patients: int, users) -> dict[str, int]:
    record = _monitored_trial(patients, **users)
    pages = ["/patients/", "/patients/RD-001/", "/patients/RD-002/", "/casebook-signature/",
             "/casebook-signature/RD-001/", record, record + "edit/", record + "history/"]
    counts, shown = {}, {}
    for page in pages:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        assert response.status_code == 200, page
        counts[page.replace(record, "<record>/")] = len(captured)
        shown[page] = response.content.decode()
    # the states the pages must show are there to be counted
    assert '<span class="badge locked">locked</span>' in shown["/patients/"]
    assert "data changed since signing" in shown["/casebook-signature/RD-001/"]
    assert "Grade?" in shown[record + "edit/"]
    _unlock_all(users["monitor"])
    return counts


def test_locks_signatures_and_queries_keep_the_pages_fixed_at_two_trial_sizes(client):
    # given: signed casebooks, some locked, some changed since signing, open queries on fields
    users = {role: factories.user(role) for role in ("monitor", "investigator", "coordinator")}
    client.force_login(users["coordinator"])
    # when
    small = monitored_page_queries(client, 3, users)
    larger = monitored_page_queries(client, 15, users)
    # then
    assert CasebookSignature.all_objects.count() == 3 + 15  # each size did sign its casebooks
    assert small == larger, (small, larger)
