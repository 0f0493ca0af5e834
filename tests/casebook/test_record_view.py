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
    assert "icans" not in parts  # a CRS event is not offered ICANS details


def test_an_adverse_event_offers_only_the_details_of_its_term(client, coordinator,
                                                              infused_patient):
    client.force_login(coordinator)
    crs = factories.adverse_event(infused_patient)
    nausea = factories.adverse_event(infused_patient, term="Nausea")
    icans = factories.adverse_event(infused_patient, term="ICANS")
    gvhd_recorded = factories.adverse_event(infused_patient, term="Rash maculo-papular")
    factories.gvhd_details(gvhd_recorded)  # recorded before: always shown
    pages = {ae: client.get(f"/patients/RD-001/adverse-event/{ae.pk}/").content.decode()
             for ae in (crs, nausea, icans, gvhd_recorded)}
    assert "Add CRS details" in pages[crs] and "ICANS details" not in pages[crs]
    assert not any(f"Add {kind} details" in pages[nausea] for kind in ("CRS", "ICANS", "GVHD"))
    assert "Add ICANS details" in pages[icans] and "CRS details" not in pages[icans]
    assert "<h2>GVHD details</h2>" in pages[gvhd_recorded]


def test_the_adverse_event_term_offers_the_coded_ctcae_list(client, coordinator,
                                                           infused_patient):
    client.force_login(coordinator)
    page = client.get("/patients/RD-001/adverse-event/new/").content.decode()
    term = page[page.index('<select name="term"'):]
    term = term[:term.index("</select>")]
    assert '<option value="Cytokine release syndrome">Cytokine release syndrome</option>' in term
    assert '<option value="Neutrophil count decreased">' in term
    assert '<option value="other">Other, specify</option>' in term
    assert 'name="term_specify"' in page and "Specify the term" in page


def test_the_adverse_event_page_links_its_voided_details(client, coordinator, infused_patient):
    ae = factories.adverse_event(infused_patient)
    voided = record_void(factories.crs_details(ae), by=coordinator, reason="wrong event")
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/adverse-event/{ae.pk}/").content.decode()
    assert f'<a class="voided" href="/patients/RD-001/crs/{voided.pk}/">' in page
    assert "Add CRS details" in page  # a voided record does not stand in for a current one
