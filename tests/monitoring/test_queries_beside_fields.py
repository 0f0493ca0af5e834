"""A coordinator sees the monitors' outstanding queries beside the field they are about, on the
record's page and while editing it: the question, its status and who raised it."""

import re

import pytest

from monitoring import services
from tests import factories

pytestmark = pytest.mark.django_db

QUESTION = "The source notes say grade 2: please check."


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient, grade=3)


def raise_query(record, field_name="grade", question=QUESTION):
    return services.query_raise(record=record, patient=record.patient, field_name=field_name,
                                question=question, by=factories.user("monitor"))


def field_block(page: str, field_id: str) -> str:
    """The markup of one form field's block, from its label to the end of its div."""
    match = re.search(rf'<div class="field[^"]*"[^>]*>\s*<label for="{field_id}">.*?</div>', page,
                      re.S)
    assert match, field_id
    return match.group(0)


def test_the_edit_form_shows_an_open_query_beside_its_field(client, coordinator, adverse_event):
    # given
    query = raise_query(adverse_event)
    client.force_login(coordinator)
    # when
    page = client.get(f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/").content.decode()
    # then
    grade = field_block(page, "id_grade")
    assert QUESTION in grade
    assert f"Query #{query.pk} · Open" in grade and "raised by Test Monitor" in grade
    assert QUESTION not in field_block(page, "id_term")


def test_the_record_page_shows_the_query_beside_the_value_with_its_status(
        client, coordinator, adverse_event):
    # given
    query = raise_query(adverse_event)
    services.query_answer(query=query, answer="Checked: grade 3 is right.", by=coordinator)
    client.force_login(coordinator)
    # when
    page = client.get(f"/patients/RD-001/adverse-event/{adverse_event.pk}/").content.decode()
    # then
    grade = re.search(r"<dt>Grade</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert f"Query #{query.pk} · Answered" in grade and QUESTION in grade
    assert "Checked: grade 3 is right." in grade


def test_a_closed_query_is_no_longer_shown_beside_the_field(client, coordinator, adverse_event):
    query = raise_query(adverse_event)
    services.query_close(query=query, by=factories.user("monitor"))
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/").content.decode()
    assert QUESTION not in field_block(page, "id_grade")


def test_a_query_on_the_whole_record_is_shown_above_the_fields(client, coordinator,
                                                              adverse_event):
    raise_query(adverse_event, field_name="", question="Is this the same event as #2?")
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/").content.decode()
    assert page.index("Is this the same event as #2?") < page.index('for="id_term"')
