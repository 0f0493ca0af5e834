"""The casebook lists each form's records; those voided in error are listed apart, with the
reason, and still lead to their page and audit trail."""

import pytest

from casebook.sections import sections
from core.audit import record_void
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_voided_record_leaves_the_forms_rows_but_is_kept_apart(coordinator, infused_patient):
    # given
    kept = factories.adverse_event(infused_patient, grade=2)
    voided = record_void(factories.adverse_event(infused_patient, grade=1), by=coordinator,
                         reason="entered for the wrong patient")
    # when
    [adverse_events] = [s for s in sections(infused_patient) if s.slug == "adverse-event"]
    # then
    assert [record for record, _ in adverse_events.rows] == [kept]
    assert adverse_events.voided == [voided]


def test_the_casebook_page_links_a_voided_record_with_its_reason(client, coordinator,
                                                                 infused_patient):
    voided = record_void(factories.adverse_event(infused_patient), by=coordinator,
                         reason="entered for the wrong patient")
    client.force_login(coordinator)
    page = client.get("/patients/RD-001/").content.decode()
    assert f'<a class="voided" href="/patients/RD-001/adverse-event/{voided.pk}/">' in page
    assert "entered for the wrong patient" in page
