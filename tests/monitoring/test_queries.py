"""The query cycle: a monitor raises a query on a field, the coordinator answers, the monitor
closes or re-opens it; open queries are counted on the patient list."""

import pytest
from django.core.exceptions import ValidationError

from core.audit import field_changes
from monitoring import services
from monitoring.models import DataQuery
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient, grade=3)


@pytest.fixture
def record_page(adverse_event):
    return f"/patients/RD-001/adverse-event/{adverse_event.pk}/"


def raise_on_grade(client, monitor, adverse_event):
    client.force_login(monitor)
    client.post(f"/queries/raise/RD-001/adverse-event/{adverse_event.pk}/",
                {"field_name": "grade", "question": "Source says grade 2?"})
    return DataQuery.objects.get()


@pytest.mark.requirement("CON-ROLE-03")
def test_a_monitor_raises_a_query_on_a_field_shown_on_the_record(client, monitor,
                                                                 adverse_event, record_page):
    query = raise_on_grade(client, monitor, adverse_event)
    page = client.get(record_page).content.decode()
    assert (query.field_name, query.status, query.raised_by) == ("grade", "open", monitor)
    assert "Source says grade 2?" in page and 'about <a href="#field-grade">grade</a>' in page


@pytest.mark.requirement("CON-ROLE-01", "CON-ROLE-03")
def test_the_coordinator_answers_and_the_monitor_closes(client, monitor, coordinator,
                                                        adverse_event):
    # given
    query = raise_on_grade(client, monitor, adverse_event)
    # when
    client.force_login(coordinator)
    client.post(f"/queries/{query.pk}/answer/", {"answer": "Corrected to grade 2"})
    client.force_login(monitor)
    client.post(f"/queries/{query.pk}/close/")
    # then
    query.refresh_from_db()
    assert (query.status, query.answered_by, query.closed_by) == ("closed", coordinator, monitor)
    reasons = [entry["reason"] for entry in field_changes(query)]
    assert reasons == ["closed: resolved", "answered: Corrected to grade 2", "initial entry"]


def test_re_opening_needs_a_reason(client, monitor, adverse_event):
    query = raise_on_grade(client, monitor, adverse_event)
    client.post(f"/queries/{query.pk}/close/")
    client.post(f"/queries/{query.pk}/reopen/", {"reason": ""})
    query.refresh_from_db()
    assert query.status == "closed"
    client.post(f"/queries/{query.pk}/reopen/", {"reason": "value still differs"})
    query.refresh_from_db()
    assert query.status == "open"


def test_only_an_open_query_can_be_answered(monitor, coordinator, adverse_event, infused_patient):
    query = services.query_raise(record=adverse_event, patient=infused_patient, field_name="",
                                 question="Onset date?", by=monitor)
    services.query_close(query=query, by=monitor)
    with pytest.raises(ValidationError, match="Only an open query"):
        services.query_answer(query=query, answer="late", by=coordinator)


@pytest.mark.parametrize("role, action, status", [
    ("coordinator", "raise", 403), ("investigator", "raise", 403), ("sponsor", "raise", 403),
    ("monitor", "answer", 403), ("investigator", "answer", 403),
    ("coordinator", "close", 403), ("coordinator", "reopen", 403),
])
@pytest.mark.requirement("CON-ROLE-01", "CON-ROLE-03")
def test_each_step_belongs_to_its_role(client, monitor, adverse_event, infused_patient,
                                       role, action, status):
    query = services.query_raise(record=adverse_event, patient=infused_patient, field_name="",
                                 question="?", by=monitor)
    client.force_login(factories.user(role))
    url = (f"/queries/raise/RD-001/adverse-event/{adverse_event.pk}/" if action == "raise"
           else f"/queries/{query.pk}/{action}/")
    response = client.post(url, {"question": "x", "answer": "x", "reason": "x"})
    assert response.status_code == status
    query.refresh_from_db()
    assert query.status == "open" and DataQuery.objects.count() == 1


def test_the_patient_list_and_the_work_list_show_open_queries(client, monitor, coordinator,
                                                              adverse_event):
    raise_on_grade(client, monitor, adverse_event)
    client.force_login(coordinator)
    listing = client.get("/patients/").content.decode()
    work = client.get("/queries/").content.decode()
    assert "Open queries" in listing and "<td>1</td>" in listing
    assert "Source says grade 2?" in work


def test_sponsors_get_no_query_pages(client, sponsor):
    client.force_login(sponsor)
    assert client.get("/queries/").status_code == 403
