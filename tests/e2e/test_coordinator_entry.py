"""A coordinator's day in Chromium: enrol a patient, record lymphodepletion and the infusion,
enter a grade 4 CRS with its details and see the derived ASTCT grade and the DLT candidate."""

import pytest
from playwright.sync_api import expect

from safety.models import AdverseEvent
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.mark.requirement("CON-ROLE-01", "CLIN-CRS-09", "CLIN-GEN-01")
def test_a_coordinator_enrols_treats_and_grades_a_crs(page, sign_in, screenshot, save,
                                                      coordinator_user):
    # given: the protocol's first dose level
    factories.dose_level("DL1")
    sign_in("ana")

    # when: the patient is enrolled
    page.goto("/patients/")
    page.get_by_role("link", name="Enrol a patient").click()
    page.get_by_label("Subject id").fill("RD-042")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Age at consent (years)").fill("34")
    page.get_by_label("Diagnosis").select_option("T-ALL")
    page.get_by_label("Consent date").fill("2024-03-01")
    page.get_by_label("Enrollment date").fill("2024-03-04")
    screenshot("enrolment-form")
    save()
    expect(page.get_by_role("heading", name="Casebook RD-042")).to_be_visible()

    # and lymphodepletion and the infusion are recorded
    page.get_by_role("link", name="Add lymphodepletion").click()
    page.get_by_label("Start date").fill("2024-03-07")
    page.get_by_label("Fludarabine (mg/m²/day)").fill("30")
    page.get_by_label("Cyclophosphamide (mg/m²/day)").fill("300")
    page.get_by_label("Days").fill("3")
    save()
    expect(page.get_by_text("Lymphodepletion saved.")).to_be_visible()
    page.get_by_role("link", name="Casebook RD-042").click()
    page.get_by_role("link", name="Add infusion").click()
    page.get_by_label("Number").fill("1")
    page.locator("#id_date").fill("2024-03-12")
    page.get_by_label("Dose level").select_option(label="DL1 (5e+06 cells/kg)")
    page.get_by_label("CAR-T cells per kg").fill("5000000")
    page.get_by_label("Viability (%)").fill("94")
    save()
    expect(page.get_by_text("Infusion saved.")).to_be_visible()

    # and a grade 4 CRS is entered with its worst values
    page.get_by_role("link", name="Casebook RD-042").click()
    page.get_by_role("link", name="Add adverse event").click()
    page.get_by_label("CTCAE term").select_option("Cytokine release syndrome")
    expect(page.get_by_label("Specify the term")).to_be_hidden()  # shown only for "Other"
    page.get_by_label("Grade").fill("4")
    page.get_by_label("Onset date").fill("2024-03-14")
    page.get_by_label("Relatedness to RD13-02").select_option("probable")
    save()
    page.get_by_role("link", name="Add CRS details").click()
    page.get_by_label("Highest temperature (°C)").fill("39.6")
    page.get_by_label("Hypotension").select_option("multiple_vasopressors")
    page.get_by_label("Oxygen").select_option("high_flow")
    # the derived grade and the DLT candidate appear while typing, before anything is saved
    expect(page.locator("#derived-live")).to_contain_text("grade 4 CRS")
    expect(page.locator("#derived-live")).to_contain_text("D2: grade 4 CRS")
    screenshot("crs-details-form")
    save()

    # then the adverse event page shows the derived grade beside the recorded one
    expect(page.get_by_role("heading", name="Adverse event")).to_be_visible()
    expect(page.get_by_text("grade 4 CRS (hypotension: multiple vasopressors)")).to_be_visible()
    expect(page.get_by_text("differs from the recorded value")).to_have_count(0)
    # and the DLT rules have flagged it for the investigator
    expect(page.locator(".dlt-flags")).to_contain_text("D2: grade 4 CRS")
    screenshot("adverse-event-derived-grade")
    page.get_by_role("link", name="Casebook RD-042").click()
    screenshot("casebook")
    assert AdverseEvent.objects.get(patient__subject_id="RD-042").grade == 4


def test_a_bad_value_is_shown_beside_its_field_in_the_browser(page, sign_in, screenshot, save,
                                                              coordinator_user):
    factories.patient("RD-001")
    sign_in("ana")
    page.goto("/patients/RD-001/adverse-event/new/")
    page.get_by_label("CTCAE term").select_option(label="Other, specify")
    page.get_by_label("Specify the term").fill("Nausea")
    page.get_by_label("Grade").fill("7")
    page.get_by_label("Onset date").fill("2024-03-14")
    page.get_by_label("Relatedness to RD13-02").select_option("unlikely")
    save()
    expect(page.locator("#id_grade_errors")).to_have_text("7 is not a CTCAE grade (1–5)")
    expect(page.get_by_label("CTCAE term")).to_have_value("other")
    expect(page.get_by_label("Specify the term")).to_have_value("Nausea")
    screenshot("error-beside-field")
