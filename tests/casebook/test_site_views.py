"""The project's own pages: a request Django cannot read gets a page saying why."""

import pytest

from patients.models import Patient
from tests.crf_payloads import form_data

pytestmark = pytest.mark.django_db


def test_a_form_over_the_request_limit_gets_a_page_with_the_limit_and_saves_nothing(
        client, coordinator, settings):
    # given a limit below what the form sends
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(coordinator)
    # when
    response = client.post("/patients/new/", form_data("patient", consent_version="v" * 2000))
    # then
    assert response.status_code == 413
    page = response.content.decode()
    assert "<h1>Request refused</h1>" in page
    assert ("The request body is over the limit of 1,000 bytes (REQUEST_BODY_MAX_BYTES): "
            "nothing was read or changed.") in page
    assert not Patient.all_objects.exists()


def test_each_roles_home_page_offers_that_roles_work(client, db):
    from tests import factories

    for role, links in (("investigator", ['href="/dlt-review/"', 'href="/reports/"',
                                          'href="/casebook-signature/"']),
                        ("coordinator", ['href="/patients/"', 'href="/queries/"']),
                        ("monitor", ['href="/patients/"', 'href="/queries/"'])):
        client.force_login(factories.user(role))
        section = client.get("/").content.decode().split('class="card"')[1]
        for link in links:
            assert link in section, (role, link)
