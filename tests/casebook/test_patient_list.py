"""The patient list: one page of 50 patients at a time, searched first, then paged."""

import pytest

from exchange.demo_trial import demo_bundle
from exchange.services import bundle_import_json
from patients.models import Patient
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def trial_of_60(db):
    """RD-001 … RD-060: a full first page and ten more."""
    bundle_import_json(demo_bundle(60, seed=7), replace=True)


def shown(response) -> list[str]:
    return [row["patient"].subject_id for row in response.context["rows"]]


def test_the_first_page_shows_the_first_fifty_patients(coordinator_client, trial_of_60):
    # when
    response = coordinator_client.get("/patients/")
    # then
    assert shown(response) == [f"RD-{n:03d}" for n in range(1, 51)]
    assert "Page 1 of 2" in response.content.decode()


def test_page_two_shows_the_rest(coordinator_client, trial_of_60):
    # when
    response = coordinator_client.get("/patients/?page=2")
    # then
    assert shown(response) == [f"RD-{n:03d}" for n in range(51, 61)]
    html = response.content.decode()
    assert '<li aria-current="page">Page 2 of 2</li>' in html
    assert 'href="?page=1">« First' in html
    assert 'href="?page=1" rel="prev">‹ Previous' in html
    assert "Next ›" not in html


def test_the_navigation_is_a_labelled_landmark_with_the_current_page_marked(
        coordinator_client, trial_of_60):
    # when
    html = coordinator_client.get("/patients/").content.decode()
    # then
    assert '<nav class="pages" aria-label="Pagination">' in html
    assert '<li aria-current="page">Page 1 of 2</li>' in html
    assert 'href="?page=2" rel="next">Next ›' in html
    assert 'href="?page=2">Last »' in html
    assert "Previous" not in html


def test_one_page_of_patients_needs_no_navigation(coordinator_client):
    # given
    factories.patient("RD-001")
    # when
    html = coordinator_client.get("/patients/").content.decode()
    # then
    assert 'aria-label="Pagination"' not in html


def test_paging_a_search_keeps_the_search_in_the_links(coordinator_client, trial_of_60):
    # when: every subject ID contains "RD", so the 60 matches take two pages
    first = coordinator_client.get("/patients/?q=RD").content.decode()
    second = coordinator_client.get("/patients/?q=RD&page=2")
    # then
    assert 'href="?q=RD&amp;page=2" rel="next"' in first
    assert 'href="?q=RD&amp;page=1" rel="prev"' in second.content.decode()
    assert len(shown(second)) == 10


def test_a_search_is_applied_before_paging(coordinator_client, trial_of_60):
    # given
    lymphomas = list(Patient.objects.filter(diagnosis="T-LBL").order_by("subject_id")
                     .values_list("subject_id", flat=True))
    # when
    response = coordinator_client.get("/patients/?q=T-LBL")
    # then: fewer than a page, all on page one
    assert 0 < len(lymphomas) < 50
    assert shown(response) == lymphomas
    assert f"{len(lymphomas)} match “T-LBL”" in response.content.decode()


@pytest.mark.parametrize("page, shown_page", [
    ("999", 2),  # past the end: the last page
    ("0", 1),  # before the start: the first page
    ("-3", 1),
    ("abc", 1),  # not a number: the first page
    ("2.5", 1),
    ("", 1),
])
def test_a_bad_page_number_shows_the_nearest_page(coordinator_client, trial_of_60, page,
                                                  shown_page):
    # when
    response = coordinator_client.get("/patients/", {"page": page})
    # then
    assert response.status_code == 200
    assert f"Page {shown_page} of 2" in response.content.decode()


@pytest.mark.parametrize("count, text", [(1, "1 patient"), (60, "60 patients")])
def test_the_page_counts_the_patients(coordinator_client, count, text):
    # given
    bundle_import_json(demo_bundle(count, seed=7), replace=True)
    # when
    html = coordinator_client.get("/patients/").content.decode()
    # then
    assert f'<p class="count">{text}</p>' in html


def test_the_count_groups_thousands(coordinator_client):
    # given: bulk-created, since an audited import of over a thousand patients takes seconds
    Patient.objects.bulk_create(
        Patient(subject_id=f"RD-{n:05d}", sex="F", age_at_consent=30, diagnosis="T-ALL",
                consent_date=factories.CONSENT) for n in range(1, 1235))
    # when
    response = coordinator_client.get("/patients/")
    # then
    assert '<p class="count">1,234 patients</p>' in response.content.decode()
    assert len(shown(response)) == 50


def test_one_match_takes_a_singular_verb(coordinator_client):
    # given
    factories.patient("RD-001")
    factories.patient("RD-002", diagnosis="T-LBL")
    # when
    html = coordinator_client.get("/patients/?q=RD-002").content.decode()
    # then
    assert '<p class="count">1 matches “RD-002”</p>' in html
