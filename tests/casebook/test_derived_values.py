"""Derived values shown beside what the CRF records: ASTCT grades and the response category."""

from datetime import date

import pytest

from efficacy.models import ResponseAssessment
from efficacy.selectors import derived_response
from safety.models import AdverseEvent, CrsDetails, DltCandidate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.requirement("CLIN-CRS-09")
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


@pytest.mark.requirement("CLIN-RESP-08", "CON-VOC-05")
def test_the_response_page_shows_the_derived_response(client, coordinator, infused_patient):
    assessment = factories.response(infused_patient, response="PR")
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/response/{assessment.pk}/").content.decode()
    assert "CR: marrow blasts 0.4%, counts recovered" in page
    assert "differs from the recorded value" in page


@pytest.mark.requirement("CLIN-RESP-05")
def test_a_rise_after_a_cr_derives_a_relapse(infused_patient):
    factories.response(infused_patient, visit="W4", on=date(2024, 4, 9))
    later = factories.response(infused_patient, visit="W8", on=date(2024, 5, 7),
                               marrow_blasts_pct=12.0, response="PD")
    derived = derived_response(later)
    assert (derived.category, derived.disease_event) == ("PD", "relapse")


@pytest.mark.requirement("CLIN-GEN-01")
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
    # given: htmx posts the form as it is typed, marked as a preview
    ae = factories.adverse_event(infused_patient, grade=3)
    client.force_login(coordinator)
    url = f"/patients/RD-001/adverse-event/{ae.pk}/crs/new/"
    # when
    preview = client.post(url, {"_preview": "1", "max_temp_c": 39.2,
                                "hypotension": "one_vasopressor", "oxygen": "low_flow"},
                          headers={"HX-Request": "true"})
    incomplete = client.post(url, {"_preview": "1", "max_temp_c": ""},
                             headers={"HX-Request": "true"})
    # then: only the fragment htmx swaps in
    assert "grade 3 CRS (hypotension: one vasopressor)" in preview.content.decode()
    assert "<form" not in preview.content.decode()
    assert "Complete the form" in incomplete.content.decode()
    assert not CrsDetails.objects.exists()


def test_without_javascript_the_preview_button_shows_the_whole_form_with_the_grade(
        client, coordinator, infused_patient):
    # given: the form's own "Show the derived value" button, no htmx
    ae = factories.adverse_event(infused_patient, grade=3)
    client.force_login(coordinator)
    # when
    page = client.post(f"/patients/RD-001/adverse-event/{ae.pk}/crs/new/", {
        "_preview": "1", "max_temp_c": 39.2, "hypotension": "one_vasopressor",
        "oxygen": "low_flow"}).content.decode()
    # then: the form keeps what was typed, shows the grade, and nothing is saved
    assert 'value="39.2"' in page and "<form" in page
    assert "grade 3 CRS (hypotension: one vasopressor)" in page
    assert not CrsDetails.objects.exists()


def test_the_crf_form_loads_the_vendored_htmx_and_no_cdn(client, coordinator, infused_patient):
    ae = factories.adverse_event(infused_patient, grade=3)
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/adverse-event/{ae.pk}/crs/new/").content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in page
    assert 'hx-post="/patients/RD-001/' in page
    assert "https://" not in page


def test_the_adverse_event_form_previews_the_dlt_candidate_it_would_raise(
        client, coordinator, infused_patient):
    # given: a grade 4 CRS two days after the infusion, typed but not saved
    client.force_login(coordinator)
    typed = {"_preview": "1", "term": "Cytokine release syndrome", "grade": 4,
             "onset_date": "2024-03-14", "relatedness": "probable"}
    # when
    flagged = client.post("/patients/RD-001/adverse-event/new/", typed,
                          headers={"HX-Request": "true"}).content.decode()
    mild = client.post("/patients/RD-001/adverse-event/new/", {**typed, "grade": 1},
                       headers={"HX-Request": "true"}).content.decode()
    # then
    assert "DLT candidate" in flagged and "D2: grade 4 CRS" in flagged
    assert "DLT candidate" not in mild
    assert not DltCandidate.objects.exists()


def test_crs_details_that_derive_grade_4_preview_a_dlt_candidate(client, coordinator,
                                                                 infused_patient):
    ae = factories.adverse_event(infused_patient, grade=3)
    client.force_login(coordinator)
    page = client.post(f"/patients/RD-001/adverse-event/{ae.pk}/crs/new/", {
        "_preview": "1", "max_temp_c": 39.6, "hypotension": "multiple_vasopressors",
        "oxygen": "high_flow"}, headers={"HX-Request": "true"}).content.decode()
    assert "D2: grade 4 CRS" in page


def test_editing_previews_before_the_reason_for_change_is_typed(client, coordinator,
                                                                infused_patient):
    ae = factories.adverse_event(infused_patient, grade=3)
    client.force_login(coordinator)
    page = client.post(f"/patients/RD-001/adverse-event/{ae.pk}/edit/", {
        "_preview": "1", "term": ae.term, "grade": 4, "onset_date": ae.onset_date,
        "relatedness": ae.relatedness, "row_version": ae.row_version, "reason": ""},
        headers={"HX-Request": "true"}).content.decode()
    assert "D2: grade 4 CRS" in page
    assert AdverseEvent.objects.get(pk=ae.pk).grade == 3


def test_two_assessments_of_one_day_derive_one_response_on_every_page(client, coordinator,
                                                                      monitor, infused_patient):
    # given: on one day a CR, then an assessment with 6% marrow blasts (screening: 60%)
    on = date(2024, 4, 9)
    factories.response(infused_patient, visit="W4", on=on, response="CR")
    second = factories.response(infused_patient, visit="UNSCHEDULED", on=on,
                                marrow_blasts_pct=6.0, response="PR")
    relapse = "PD: relapse after CR/CRi: marrow blasts 6% (≥ 5%)"
    # when each page reads the second one's derived response
    client.force_login(monitor)
    record_page = client.get(f"/patients/RD-001/response/{second.pk}/").content.decode()
    casebook = client.get("/patients/RD-001/").content.decode()
    review = client.get("/api/v1/reports/data-review/", {"cutoff": "2024-06-30"}).json()
    report_page = client.get("/reports/", {"cutoff": "2024-06-30"}).content.decode()
    client.force_login(coordinator)
    preview = client.post(f"/patients/RD-001/response/{second.pk}/edit/", {
        "_preview": "1", "visit": "UNSCHEDULED", "date": on, "marrow_blasts_pct": 6.0,
        "mrd_pct": 0.0, "peripheral_blasts": "false", "extramedullary": "none",
        "anc_per_uL": 1500, "platelets_per_uL": 120000, "response": "PR",
        "row_version": second.row_version}, headers={"HX-Request": "true"}).content.decode()
    # then: the same category, from the same prior assessments in the same order (date, id)
    assert relapse in record_page
    assert relapse in preview
    second_row = casebook[casebook.rindex("<tr>", 0, casebook.index(
        f"/response/{second.pk}/")):casebook.index(f"/response/{second.pk}/")]
    assert "<td>PD</td>" in second_row
    [finding] = [f for f in review["findings"] if f["rule"] == "response_mismatch"]
    assert (finding["recorded"], finding["derived"]) == ("PR", "PD")
    review_section = report_page[report_page.index('id="data-review"'):]
    assert "recorded PR, the values give PD" in review_section


def test_an_assessment_not_yet_saved_comes_after_those_saved_on_its_day(infused_patient):
    on = date(2024, 4, 9)
    factories.response(infused_patient, visit="W4", on=on, response="CR")
    typed = ResponseAssessment(patient=infused_patient, visit="UNSCHEDULED", date=on,
                               marrow_blasts_pct=6.0, peripheral_blasts=False,
                               extramedullary="none", anc_per_uL=1500, platelets_per_uL=120000)
    assert derived_response(typed).category == "PD"


def test_the_casebook_shows_each_adverse_events_derived_grade_and_dlt_candidates(
        client, monitor, infused_patient):
    # given: recorded grade 3, details that derive grade 4, and a D2 candidate
    ae = factories.adverse_event(infused_patient, grade=3)
    factories.crs_details(ae, max_temp_c=39.5, hypotension="multiple_vasopressors")
    factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS"))
    client.force_login(monitor)
    # when
    casebook = client.get("/patients/RD-001/").content.decode()
    # then
    link = casebook.index(f"/adverse-event/{ae.pk}/")
    row = casebook[casebook.rindex("<tr>", 0, link):link]
    assert "<td>CRS 4</td><td>D2</td>" in row
