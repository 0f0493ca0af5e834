"""The query list leads to the field: each query names its record and field as the site says
them and links to the record page at that field; the list filters by status and patient (bad
filters said, never a 500); closing takes an optional comment, stored and audited; people are
named by their names."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casebook.record_labels import field_label, record_label
from core.audit import field_changes
from efficacy.models import ResponseAssessment
from monitoring import services
from monitoring.models import DataQuery
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def w4(infused_patient):
    return factories.response(infused_patient, visit="W4")


@pytest.fixture
def w4_query(w4, infused_patient, monitor):
    return services.query_raise(record=w4, patient=infused_patient, field_name="date",
                                question="The source says a day later?", by=monitor)


def test_records_and_fields_are_named_as_the_site_says_them(w4, infused_patient):
    # given: an infusion, an adverse event and its CRS details
    infusion = infused_patient.infusions.get()
    event = factories.adverse_event(infused_patient, grade=3)
    crs = factories.crs_details(event)
    # then
    assert record_label(w4).startswith("W4 response assessment, ")
    assert field_label(ResponseAssessment, "date") == "assessment date"
    assert field_label(ResponseAssessment, "mrd_pct") == "MRD (%)"
    assert record_label(infusion) == f"Infusion 1, {infusion.date:%-d %b %Y}"
    assert record_label(crs).startswith(f"CRS details of {event.term} (grade 3), ")


def test_the_list_links_to_the_record_at_the_field_with_names_people_use(client, w4, w4_query,
                                                                        coordinator):
    # when
    client.force_login(coordinator)
    page = client.get("/queries/").content.decode()
    # then
    link = f'/patients/RD-001/response/{w4.pk}/#field-date'
    assert f'href="{link}"' in page
    assert "W4 response assessment, " in page and " · assessment date</a>" in page
    assert "Test Monitor" in page and "test-monitor" not in page
    # and the record page has the anchor the link leads to
    record = client.get(link.split("#")[0]).content.decode()
    assert 'id="field-date"' in record


def test_the_edit_form_has_an_anchor_on_each_field(client, w4, coordinator):
    client.force_login(coordinator)
    form = client.get(f"/patients/RD-001/response/{w4.pk}/edit/").content.decode()
    assert 'id="field-date"' in form and 'id="field-mrd_pct"' in form


def test_the_list_filters_by_status_and_patient(client, w4, w4_query, monitor, coordinator,
                                                infused_patient):
    # given: one query answered and closed, one open on another patient
    other = factories.patient("RD-002")
    other_w4 = factories.response(other, visit="W4", on=infused_patient.consent_date)
    services.query_raise(record=other_w4, patient=other, field_name="",
                         question="Second patient's question", by=monitor)
    services.query_answer(query=w4_query, answer="Checked", by=coordinator)
    client.force_login(monitor)

    def shown(params):
        response = client.get("/queries/", params)
        assert response.status_code == 200
        return {row["query"].question for row in response.context["rows"]}

    # then
    assert shown({}) == {w4_query.question, "Second patient's question"}
    assert shown({"show": "open"}) == {"Second patient's question"}
    assert shown({"show": "answered"}) == {w4_query.question}
    assert shown({"show": "closed"}) == set()
    assert shown({"patient": "RD-001"}) == {w4_query.question}
    assert shown({"patient": "RD-002", "show": "answered"}) == set()
    services.query_close(query=w4_query, by=monitor)
    assert shown({"show": "closed", "patient": "RD-001"}) == {w4_query.question}
    assert shown({"show": "all"}) == {w4_query.question, "Second patient's question"}


@pytest.mark.parametrize("params, message", [
    ({"show": "pending"}, "Status: pending is not one of outstanding, open, answered, closed"),
    ({"patient": "RD-999"}, "Patient: there is no patient RD-999."),
    ({"patient": "x" * 300}, "Ensure this value has at most 20 characters"),
])
def test_bad_filters_are_refused_with_a_message(client, coordinator, w4_query, params, message):
    client.force_login(coordinator)
    response = client.get("/queries/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_bad_page_number_shows_a_page(client, coordinator, w4_query):
    client.force_login(coordinator)
    for page in ("0", "-3", "abc", "99999"):
        response = client.get("/queries/", {"page": page})
        assert response.status_code == 200 and len(response.context["rows"]) == 1


def test_closing_takes_an_optional_comment_stored_and_audited(client, monitor, w4_query, w4):
    # when
    client.force_login(monitor)
    client.post(f"/queries/{w4_query.pk}/close/", {"comment": "  Source confirms the date.  "})
    # then
    w4_query.refresh_from_db()
    assert (w4_query.status, w4_query.close_comment) == ("closed", "Source confirms the date.")
    assert field_changes(w4_query)[0]["reason"] == "closed: Source confirms the date."
    record_page = client.get(f"/patients/RD-001/response/{w4.pk}/").content.decode()
    assert "Closed by Test Monitor" in record_page and "Source confirms the date." in record_page
    listing = client.get("/queries/", {"show": "closed"}).content.decode()
    assert "Source confirms the date." in listing


def test_closing_without_a_comment_reads_resolved(client, monitor, w4_query):
    client.force_login(monitor)
    client.post(f"/queries/{w4_query.pk}/close/", {"comment": "\u200b"})
    w4_query.refresh_from_db()
    assert (w4_query.status, w4_query.close_comment) == ("closed", "")
    assert field_changes(w4_query)[0]["reason"] == "closed: resolved"


def test_a_re_opened_query_keeps_its_earlier_close_comment_in_its_history(monitor, w4_query):
    services.query_close(query=w4_query, by=monitor, note="looks fine")
    services.query_reopen(query=w4_query, by=monitor, reason="it does not")
    w4_query.refresh_from_db()
    assert w4_query.close_comment == ""
    assert "looks fine" in [h.close_comment for h in w4_query.history.all()]


def _list_queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/queries/", params or {}).status_code == 200
    return len(captured)


def test_the_list_takes_the_same_queries_for_few_and_many_queries(client, monitor,
                                                                 infused_patient):
    # given: queries on every kind of record, few then many
    client.force_login(monitor)

    def add_queries(n):
        for i in range(n):
            event = factories.adverse_event(infused_patient, grade=2)
            crs = factories.crs_details(event)
            w = factories.response(infused_patient, visit="W8",  # day 56: in its window
                                   on=factories.CONSENT + timedelta(days=11 + 56))
            for record, name in ((event, "grade"), (crs, "oxygen"), (w, "date")):
                services.query_raise(record=record, patient=infused_patient, field_name=name,
                                     question=f"q{i}", by=monitor)

    add_queries(1)
    few = _list_queries(client), _list_queries(client, {"patient": "RD-001", "show": "all"})
    add_queries(6)
    many = _list_queries(client), _list_queries(client, {"patient": "RD-001", "show": "all"})
    # then
    assert DataQuery.objects.count() == 21
    assert few == many, (few, many)


def test_a_voided_patients_queries_leave_the_list(client, monitor):
    # given: a patient enrolled in error, with a query, then voided
    from core.audit import record_void

    twice = factories.patient("RD-009")
    services.query_raise(record=twice, patient=twice, field_name="", question="Duplicate?",
                         by=monitor)
    record_void(twice, by=factories.user("coordinator"), reason="enrolled twice")
    # when
    client.force_login(monitor)
    response = client.get("/queries/", {"show": "all"})
    # then: no link to the pages it no longer has
    assert response.status_code == 200 and response.context["rows"] == []
