"""403 and 404 pages in the site's layout, saying what the user may do instead (DEBUG off)."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]


def test_a_missing_page_is_shown_in_the_layout_with_the_way_back(production, client, coordinator):
    client.force_login(coordinator)
    response = client.get("/patients/RD-999/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'class="skip-link"' in page and 'aria-label="Main"' in page  # the site's layout
    assert "Not found" in page
    assert 'href="/patients/"' in page and "Find the patient in the patient list" in page


def test_a_refused_page_says_what_the_role_may_do_instead(production, client):
    client.force_login(factories.user("sponsor"))
    response = client.get("/patients/")
    page = response.content.decode()
    assert response.status_code == 403
    assert 'class="skip-link"' in page and "Not allowed" in page
    assert "Read the endpoint report" in page and 'href="/reports/"' in page
    assert "Open the patient list" not in page


def test_a_missing_page_for_a_visitor_offers_to_sign_in(production, client):
    page = client.get("/no-such-page/").content.decode()
    assert "Not found" in page and 'href="/accounts/login/"' in page
