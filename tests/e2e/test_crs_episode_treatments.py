"""In Chromium: a coordinator enters a CRS episode (the adverse event, its CRS details), then the
tocilizumab and the dexamethasone given for it, the second by "Save and add another"; the CRS
details page lists both treatments of the episode, with their doses."""

import re

import pytest
from playwright.sync_api import expect

from safety.models import AdverseEvent, ConcomitantMedication
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def infused(transactional_db):
    """RD-001, conditioned and infused on 2024-03-12 (day 0)."""
    patient = factories.patient("RD-001")
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    return patient


def enter_medication(page, *, drug, specify="", dose, unit, start, stop, indication):
    page.get_by_label("Drug").select_option(drug)
    if specify:
        page.locator("#id_drug_specify").fill(specify)
    page.locator("#id_dose").fill(dose)
    page.locator("#id_dose_unit").select_option(unit)
    page.locator("#id_route").select_option("iv")
    page.locator("#id_start_date").fill(start)
    page.locator("#id_stop_date").fill(stop)
    page.locator("#id_indication").fill(indication)
    page.locator("#id_treated_event").select_option(
        label="Cytokine release syndrome (grade 2, 2024-03-14)")


def test_a_crs_episode_lists_its_tocilizumab_and_dexamethasone(page, sign_in, screenshot, save,
                                                              coordinator_user, infused):
    # given a coordinator enters a grade 2 CRS on day 2
    sign_in("ana")
    page.goto("/patients/RD-001/")
    page.get_by_role("link", name="Add adverse event").click()
    page.get_by_label("CTCAE term").select_option("Cytokine release syndrome")
    page.get_by_label("Grade").fill("2")
    page.get_by_label("Onset date").fill("2024-03-14")
    page.get_by_label("Relatedness to RD13-02").select_option("probable")
    save()
    expect(page.get_by_text("Adverse event saved.")).to_be_visible()
    # and its CRS details: fever with hypotension answering to fluids
    page.get_by_role("link", name="Add CRS details").click()
    page.get_by_label("Highest temperature (°C)").fill("39.1")
    page.get_by_label("Hypotension").select_option("fluids")
    page.get_by_label("Oxygen").select_option("none")
    save()
    expect(page.get_by_text("grade 2 CRS")).to_be_visible()

    # when tocilizumab is entered and saved with "Save and add another"
    page.goto("/patients/RD-001/")
    page.get_by_role("link", name="Add concomitant medication").click()
    enter_medication(page, drug="tocilizumab", dose="8", unit="mg/kg", start="2024-03-14",
                     stop="2024-03-14", indication="CRS grade 2")
    if page.locator("#derived-live").count():
        page.wait_for_timeout(300)
    page.get_by_role("button", name="Save and add another").click()
    page.wait_for_load_state()
    # then a new, empty medication form opens
    expect(page).to_have_url(re.compile(r"/patients/RD-001/conmed/new/$"))
    expect(page.get_by_text("Concomitant medication saved.")).to_be_visible()
    expect(page.locator("#id_dose")).to_have_value("")
    # and dexamethasone, a corticosteroid, is entered with its dose
    enter_medication(page, drug="corticosteroid", specify="dexamethasone", dose="10", unit="mg",
                     start="2024-03-15", stop="2024-03-17", indication="CRS grade 2, refractory")
    save()
    expect(page.get_by_text("Concomitant medication saved.")).to_be_visible()
    assert ConcomitantMedication.objects.filter(treated_event__isnull=False).count() == 2

    # then the CRS details page shows both treatments of the episode
    [crs] = AdverseEvent.objects.filter(patient=infused)
    page.goto(f"/patients/RD-001/adverse-event/{crs.pk}/")
    page.get_by_role("link", name="CRS details", exact=True).click()
    expect(page.get_by_role("heading", name="CRS details", exact=True)).to_be_visible()
    treatments = page.locator("section.treatments")
    expect(treatments).to_contain_text("Treatments given during the episode")
    rows = treatments.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Tocilizumab")
    expect(rows.nth(0)).to_contain_text("8.0 mg/kg")
    expect(rows.nth(0)).to_contain_text("Intravenous")
    expect(rows.nth(1)).to_contain_text("Corticosteroid (dexamethasone)")
    expect(rows.nth(1)).to_contain_text("10.0 mg")
    expect(rows.nth(1)).to_contain_text("CRS grade 2, refractory")
    expect(treatments).not_to_contain_text("not linked")
    screenshot("crs-details-treatments")
