"""What a record's page shows beside its values: here, an adverse event's details."""

import pytest

from casebook.record_view import adverse_event_parts
from core.audit import record_void
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_adverse_events_voided_details_are_kept_apart_from_its_current_ones(
        coordinator, infused_patient):
    # given
    ae = factories.adverse_event(infused_patient)
    voided = record_void(factories.crs_details(ae), by=coordinator, reason="wrong event")
    current = factories.crs_details(ae)
    # when
    parts = {crf.slug: (records, voided_records)
             for crf, records, voided_records in adverse_event_parts(ae)}
    # then
    assert parts["crs"] == ([current], [voided])
    assert parts["icans"] == ([], [])


def test_the_adverse_event_page_links_its_voided_details(client, coordinator, infused_patient):
    ae = factories.adverse_event(infused_patient)
    voided = record_void(factories.crs_details(ae), by=coordinator, reason="wrong event")
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/adverse-event/{ae.pk}/").content.decode()
    assert f'<a class="voided" href="/patients/RD-001/crs/{voided.pk}/">' in page
    assert "Add CRS details" in page  # a voided record does not stand in for a current one
