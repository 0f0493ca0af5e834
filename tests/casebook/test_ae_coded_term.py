"""An adverse event's term is chosen from the coded CTCAE v5.0 list, or "Other, specify"."""

import pytest

from safety.models import AdverseEvent
from tests import factories
from tests.crf_payloads import error_beside, form_data

pytestmark = pytest.mark.django_db
NEW = "/patients/RD-001/adverse-event/new/"


def test_a_listed_term_chosen_is_stored_as_listed(client, coordinator, infused_patient):
    client.force_login(coordinator)
    response = client.post(NEW, form_data("adverse-event", term="Febrile neutropenia"))
    assert response.status_code == 302
    assert AdverseEvent.objects.get().term == "Febrile neutropenia"


def test_other_with_a_specified_term_stores_the_specified_text(client, coordinator,
                                                               infused_patient):
    client.force_login(coordinator)
    response = client.post(NEW, form_data("adverse-event", term="other",
                                          term_specify="  Nausea "))
    assert response.status_code == 302
    assert AdverseEvent.objects.get().term == "Nausea"


def test_a_specified_term_that_is_listed_is_stored_as_the_listed_term(client, coordinator,
                                                                      infused_patient):
    client.force_login(coordinator)
    client.post(NEW, form_data("adverse-event", term="other",
                               term_specify="cytokine RELEASE  syndrome"))
    assert AdverseEvent.objects.get().term == "Cytokine release syndrome"


def test_other_without_a_specified_term_is_refused_beside_specify(client, coordinator,
                                                                  infused_patient):
    client.force_login(coordinator)
    response = client.post(NEW, form_data("adverse-event", term="other", term_specify=" "))
    assert response.status_code == 200
    assert ("Specify the term: required when the CTCAE term is &quot;Other, specify&quot;"
            in error_beside(response, "term_specify"))
    assert not error_beside(response, "term")  # said once, beside the box to fill
    assert not AdverseEvent.objects.exists()


def test_a_term_not_in_the_list_is_refused_beside_the_term(client, coordinator, infused_patient):
    client.force_login(coordinator)
    response = client.post(NEW, form_data("adverse-event", term="Nausea"))
    assert response.status_code == 200
    assert ("CTCAE term: &quot;Nausea&quot; is not in the coded list"
            in error_beside(response, "term"))
    missing = client.post(NEW, form_data("adverse-event", term=""))
    assert "CTCAE term: required" in error_beside(missing, "term")
    assert not AdverseEvent.objects.exists()


def test_a_specified_text_with_a_listed_term_is_refused_not_dropped(client, coordinator,
                                                                    infused_patient):
    client.force_login(coordinator)
    response = client.post(NEW, form_data("adverse-event", term_specify="Nausea"))
    assert "only with &quot;Other, specify&quot;" in error_beside(response, "term_specify")
    assert not AdverseEvent.objects.exists()


def test_editing_a_legacy_free_text_term_opens_with_other_and_its_text(client, coordinator,
                                                                       infused_patient):
    ae = factories.adverse_event(infused_patient, term="Rash maculo-papular")
    listed = factories.adverse_event(infused_patient, term="fever")
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/edit/"
    page = client.get(url).content.decode()
    assert '<option value="other" selected>Other, specify</option>' in page
    assert 'name="term_specify" value="Rash maculo-papular"' in page
    listed_page = client.get(f"/patients/RD-001/adverse-event/{listed.pk}/edit/").content.decode()
    assert '<option value="Fever" selected>Fever</option>' in listed_page
    # saved unchanged (grade only), the legacy term is kept as it was
    response = client.post(url, form_data("adverse-event", term="other",
                                          term_specify="Rash maculo-papular", grade=1,
                                          row_version=ae.row_version, reason="re-graded"))
    assert response.status_code == 302
    ae.refresh_from_db()
    assert (ae.term, ae.grade) == ("Rash maculo-papular", 1)
