"""The query list, the DLT review and the casebook sign-off show datetimes with their time zone
(the site's, `TIME_ZONE`) and dates one way ("14 Mar 2024"), as the casebook pages do."""

from datetime import date

import pytest
from django.utils import timezone

from monitoring import services
from safety.models import DltAdjudication, DltCandidate
from signoff.models import CasebookSignature
from tests import factories
from tests.signoff.acknowledge import acknowledging

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-passphrase"


@pytest.fixture(autouse=True)
def prague(settings):
    settings.TIME_ZONE = "Europe/Prague"


def shown(moment) -> str:
    local = timezone.localtime(moment)
    assert local.tzname() in ("CET", "CEST")
    return f"{local:%-d %b %Y %H:%M} {local.tzname()}"


def test_the_query_list_shows_when_a_query_was_raised_with_its_zone(client, monitor,
                                                                   infused_patient):
    query = services.query_raise(record=infused_patient.infusions.get(), patient=infused_patient,
                                 field_name="date", question="Source says a day later?",
                                 by=monitor)
    client.force_login(monitor)
    page = client.get("/queries/").content.decode()
    assert shown(query.created_at) in page


def test_the_dlt_review_shows_dates_one_way_and_the_signature_with_its_zone(
        client, investigator, infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14))
    factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS"))
    client.force_login(investigator)
    client.post(f"/dlt-review/{ae.pk}/", {
        "decision": "confirmed", "user_id": "test-investigator", "password": PASSWORD,
        "rationale": "Grade 4 CRS within the window."})
    page = client.get(f"/dlt-review/{ae.pk}/").content.decode()
    assert "<dt>Onset</dt><dd>14 Mar 2024 (study day" in page
    assert f"on {shown(DltAdjudication.objects.get().signed_at)}." in page
    assert "14 Mar 2024 (day" in client.get("/dlt-review/").content.decode()


def test_the_sign_off_pages_show_the_signature_with_its_zone(client, investigator,
                                                            infused_patient):
    client.force_login(investigator)
    client.post("/casebook-signature/RD-001/sign/", {
        "user_id": "test-investigator", "password": PASSWORD, **acknowledging(),
        "next": "/casebook-signature/RD-001/"})
    signed_at = shown(CasebookSignature.objects.get().signed_at)
    assert f"on {signed_at}." in client.get("/casebook-signature/RD-001/").content.decode()
    assert signed_at in client.get("/casebook-signature/").content.decode()
