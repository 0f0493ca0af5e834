"""Sponsors: the home page links to the report pages, which they may read; every CRF screen,
and every page that shows a casebook's free text, answers 403."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

REPORTS = ["/api/v1/reports/endpoints/", "/api/v1/reports/data-review/"]
CRF_SCREENS = [
    "/patients/", "/patients/new/", "/patients/RD-001/", "/patients/RD-001/response/new/",
    "/patients/RD-001/adverse-event/{ae}/", "/patients/RD-001/adverse-event/{ae}/edit/",
    "/patients/RD-001/adverse-event/{ae}/void/", "/patients/RD-001/adverse-event/{ae}/history/",
    "/patients/RD-001/adverse-event/{ae}/crs/new/", "/queries/", "/dlt-review/",
    "/dlt-review/{ae}/", "/casebook-signature/", "/casebook-signature/RD-001/",
]
CRF_ACTIONS = [
    "/queries/casebook/RD-001/lock/", "/queries/casebook/RD-001/unlock/",
    "/queries/raise/RD-001/adverse-event/{ae}/", "/queries/lock/RD-001/adverse-event/{ae}/",
    "/casebook-signature/RD-001/sign/", "/patients/RD-001/adverse-event/{ae}/edit/",
]


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient, grade=3)


def test_the_sponsors_home_page_links_to_the_report_pages(client, sponsor):
    client.force_login(sponsor)
    page = client.get("/").content.decode()
    for report in REPORTS:
        assert f'href="{report}"' in page
        assert client.get(report).status_code == 200
    assert 'href="/patients/"' not in page


@pytest.mark.parametrize("screen", CRF_SCREENS)
@pytest.mark.requirement("CON-ROLE-04")
def test_a_sponsor_gets_403_on_every_crf_screen(client, sponsor, adverse_event, screen):
    client.force_login(sponsor)
    assert client.get(screen.format(ae=adverse_event.pk)).status_code == 403


@pytest.mark.parametrize("action", CRF_ACTIONS)
@pytest.mark.requirement("CON-ROLE-04")
def test_a_sponsor_cannot_post_to_a_crf_action(client, sponsor, adverse_event, action):
    client.force_login(sponsor)
    response = client.post(action.format(ae=adverse_event.pk),
                           {"reason": "x", "question": "x", "password": "x"})
    assert response.status_code == 403
