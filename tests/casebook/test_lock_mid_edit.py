"""A lock arriving while someone types loses nothing: the form was opened before the lock, the
save after it is refused on the form itself (409), every typed value kept on screen, with a
message naming who locked it, when and why; nothing is saved."""

import re

import pytest

from monitoring import reviews
from safety.models import AdverseEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient, grade=3)


def typed(adverse_event) -> dict:
    """What the coordinator typed on the edit form opened before the lock."""
    return {"term": adverse_event.term, "grade": 2, "onset_date": adverse_event.onset_date,
            "relatedness": adverse_event.relatedness, "narrative": "Fever settled on day 3",
            "row_version": adverse_event.row_version, "reason": "source re-checked: grade 2"}


def value_of(page: str, name: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*?(?:value="([^"]*)"|>([^<]*))',
                      page)
    assert found, name
    return (found.group(1) or found.group(2)).strip()


@pytest.mark.parametrize("scope", ["form", "casebook"])
def test_a_lock_arriving_mid_edit_refuses_the_save_on_the_form_keeping_what_was_typed(
        client, coordinator, monitor, adverse_event, infused_patient, scope):
    # given: the coordinator opened the edit form
    client.force_login(coordinator)
    edit_url = f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/"
    assert client.get(edit_url).status_code == 200
    # when a monitor locks it (the form, or the whole casebook) with a reason, and she saves
    if scope == "form":
        reviews.form_lock(record=adverse_event, patient=infused_patient, by=monitor,
                          reason="SDV complete")
        why = "SDV complete"
    else:
        reviews.casebook_lock(patient=infused_patient, by=monitor, reason="ready for DB lock")
        why = "ready for DB lock"
    response = client.post(edit_url, typed(adverse_event))
    # then the form comes back with her values, and who locked it, when and why
    page = response.content.decode()
    assert response.status_code == 409
    assert "Locked while you were typing: nothing was saved" in page
    assert "locked by Test Monitor on " in page and f"(why: {why})" in page
    assert value_of(page, "grade") == "2"
    assert value_of(page, "reason") == "source re-checked: grade 2"
    assert "Fever settled on day 3" in page
    assert "open for changes" not in page
    assert AdverseEvent.objects.get(pk=adverse_event.pk).grade == 3


def test_a_new_record_typed_before_a_casebook_lock_is_kept_on_its_form(
        client, coordinator, monitor, adverse_event, infused_patient):
    client.force_login(coordinator)
    new_url = f"/patients/RD-001/adverse-event/{adverse_event.pk}/crs/new/"
    assert client.get(new_url).status_code == 200
    reviews.casebook_lock(patient=infused_patient, by=monitor, reason="ready for DB lock")
    response = client.post(new_url, {"max_temp_c": "39.4", "hypotension": "none",
                                     "oxygen": "low_flow"})
    page = response.content.decode()
    assert response.status_code == 409
    assert value_of(page, "max_temp_c") == "39.4" and 'value="low_flow" selected' in page
    assert "(why: ready for DB lock)" in page


def test_a_form_lock_without_a_reason_is_named_without_one(client, coordinator, monitor,
                                                            adverse_event, infused_patient):
    client.force_login(coordinator)
    reviews.form_lock(record=adverse_event, patient=infused_patient, by=monitor)
    response = client.post(f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/",
                           typed(adverse_event))
    page = response.content.decode()
    assert response.status_code == 409
    assert f"adverse event #{adverse_event.pk} of RD-001 was locked by Test Monitor" in page
    assert "(why:" not in page


def test_opening_a_locked_form_still_leads_to_its_read_only_page(
        client, coordinator, monitor, adverse_event, infused_patient):
    reviews.form_lock(record=adverse_event, patient=infused_patient, by=monitor, reason="SDV")
    client.force_login(coordinator)
    response = client.get(f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"] == f"/patients/RD-001/adverse-event/{adverse_event.pk}/"
