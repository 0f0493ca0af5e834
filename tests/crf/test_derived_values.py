"""Derived values shown beside what the CRF records: ASTCT grades and the response category."""

from datetime import date

import pytest

from efficacy.selectors import derived_response
from safety.models import CrsDetails, DltCandidate
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_adverse_event_page_shows_the_derived_crs_grade(client, coordinator,
                                                           infused_patient):
    # given: recorded grade 3, details that make it grade 4
    ae = factories.adverse_event(infused_patient, grade=3)
    factories.crs_details(ae, max_temp_c=39.5, hypotension="multiple_vasopressors")
    client.force_login(coordinator)
    # when
    page = client.get(f"/patients/RD-001/adverse-event/{ae.pk}/").content.decode()
    # then
    assert "grade 4 CRS (hypotension: multiple vasopressors)" in page
    assert "differs from the recorded value" in page


def test_the_icans_details_page_shows_the_derived_icans_grade(client, coordinator,
                                                             infused_patient):
    ae = factories.adverse_event(infused_patient, term="ICANS", grade=3)
    details = factories.icans_details(ae, ice_score=2)
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/icans/{details.pk}/").content.decode()
    assert "grade 3 ICANS (ICE 2)" in page
    assert "differs from the recorded value" not in page


def test_the_response_page_shows_the_derived_response(client, coordinator, infused_patient):
    assessment = factories.response(infused_patient, response="PR")
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/response/{assessment.pk}/").content.decode()
    assert "CR: marrow blasts 0.4%, counts recovered" in page
    assert "differs from the recorded value" in page


def test_a_rise_after_a_cr_derives_a_relapse(infused_patient):
    factories.response(infused_patient, visit="W4", on=date(2024, 4, 9))
    later = factories.response(infused_patient, visit="W8", on=date(2024, 5, 7),
                               marrow_blasts_pct=12.0, response="PD")
    derived = derived_response(later)
    assert (derived.category, derived.disease_event) == ("PD", "relapse")


def test_the_adverse_event_page_flags_its_dlt_candidates(client, investigator, infused_patient):
    # given
    ae = factories.adverse_event(infused_patient, grade=4)
    factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS"))
    client.force_login(investigator)
    # when
    page = client.get(f"/patients/RD-001/adverse-event/{ae.pk}/").content.decode()
    # then
    assert "DLT candidate" in page and "D2: grade 4 CRS" in page


def test_the_crs_form_previews_the_derived_grade_without_saving(client, coordinator,
                                                                infused_patient):
    # given
    ae = factories.adverse_event(infused_patient, grade=3)
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/crs/new/"
    # when
    preview = client.post(url, {"_preview": "1", "max_temp_c": 39.2,
                                "hypotension": "one_vasopressor", "oxygen": "low_flow"})
    incomplete = client.post(url, {"_preview": "1", "max_temp_c": ""})
    # then
    assert "grade 3 CRS (hypotension: one vasopressor)" in preview.content.decode()
    assert "Complete the form" in incomplete.content.decode()
    assert not CrsDetails.objects.exists()
