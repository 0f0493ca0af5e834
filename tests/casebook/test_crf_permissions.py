"""Who may open which CRF page: coordinators write, investigators and monitors read, sponsors
never see a CRF (403), and anyone signed out is sent to the login page."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

READ_PAGES = ["/patients/", "/patients/RD-001/", "/patients/RD-001/adverse-event/{ae}/",
              "/patients/RD-001/adverse-event/{ae}/history/"]
WRITE_PAGES = ["/patients/new/", "/patients/RD-001/response/new/",
               "/patients/RD-001/adverse-event/{ae}/crs/new/",
               "/patients/RD-001/adverse-event/{ae}/edit/",
               "/patients/RD-001/adverse-event/{ae}/void/"]
# role → (status on read pages, status on write pages)
EXPECTED = {
    "coordinator": (200, 200),
    "investigator": (200, 403),
    "monitor": (200, 403),
    "sponsor": (403, 403),
}


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient)


@pytest.mark.parametrize("role", sorted(EXPECTED))
@pytest.mark.parametrize("page", READ_PAGES + WRITE_PAGES)
@pytest.mark.requirement("CON-ROLE-01", "CON-ROLE-02", "CON-ROLE-03", "CON-ROLE-04")
def test_each_role_gets_its_pages_and_only_those(client, adverse_event, role, page):
    # given
    client.force_login(factories.user(role))
    expected = EXPECTED[role][0 if page in READ_PAGES else 1]
    # when
    response = client.get(page.format(ae=adverse_event.pk))
    # then
    assert response.status_code == expected


@pytest.mark.parametrize("page", READ_PAGES + WRITE_PAGES)
def test_signed_out_visitors_are_sent_to_the_login_page(client, adverse_event, page):
    response = client.get(page.format(ae=adverse_event.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["investigator", "monitor", "sponsor"])
@pytest.mark.requirement("CON-ROLE-02", "CON-ROLE-03")
def test_a_reader_cannot_post_an_edit(client, adverse_event, role):
    client.force_login(factories.user(role))
    response = client.post(f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/",
                           {"grade": 5, "reason": "trying", "row_version": 1})
    assert response.status_code == 403
    adverse_event.refresh_from_db()
    assert adverse_event.grade == 2


def test_a_record_of_another_patient_is_not_found_under_this_one(client, coordinator,
                                                                 adverse_event):
    factories.patient("RD-002")
    client.force_login(coordinator)
    response = client.get(f"/patients/RD-002/adverse-event/{adverse_event.pk}/edit/")
    assert response.status_code == 404


def test_readers_see_no_entry_buttons(client, investigator, adverse_event):
    client.force_login(investigator)
    page = client.get("/patients/RD-001/").content.decode()
    assert "Add adverse event" not in page and "Edit patient" not in page


def test_a_sponsor_home_page_links_to_the_endpoint_report_not_to_crfs(client, sponsor):
    client.force_login(sponsor)
    page = client.get("/").content.decode()
    assert 'href="/api/v1/reports/endpoints/"' in page
    assert 'href="/patients/"' not in page
