"""In Chromium: a coordinator registers a donor and a lot released for RD-001 on the product pages,
then enters RD-001's infusion from that lot; the infusion page shows the chain of identity
donor → lot → release → patient → infusion, and the product page the lot's infusion."""

import pytest
from playwright.sync_api import expect

from dosing.models import Infusion
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def conditioned(transactional_db):
    """RD-001 enrolled, lymphodepleted 2024-03-07 to 03-09; DL1 is 5×10⁶ CAR-T cells/kg."""
    factories.dose_level("DL1")
    patient = factories.patient("RD-001")
    factories.lymphodepletion(patient)
    return patient


def register_donor(page, save):
    page.get_by_role("link", name="Add a donor").click()
    page.locator("#id_donor_code").fill("D-017")
    page.locator("#id_hla_typing").fill("A*02:01,A*24:02; B*07:02,B*35:01")
    page.locator("#id_hla_match").fill("5/10")
    page.locator("#id_eligibility_date").fill("2024-01-15")
    save()
    expect(page.get_by_text("Donor saved.")).to_be_visible()


def register_released_lot(page, save, patient):
    page.get_by_role("link", name="Add a product lot").click()
    page.locator("#id_lot_number").fill("L-0042")
    page.locator("#id_donor").select_option(label="D-017")
    page.locator("#id_manufacture_date").fill("2024-02-20")
    page.locator("#id_car_positive_pct").fill("45")
    page.locator("#id_viability_pct").fill("92")
    page.locator("#id_total_nucleated_cells").fill("1e9")
    page.locator("#id_viable_cells").fill("9.2e8")
    page.locator("#id_car_positive_viable_cells").fill("3.25e8")
    page.locator("#id_sterility").select_option("negative")
    page.locator("#id_endotoxin_eu_per_ml").fill("0.2")
    page.locator("#id_mycoplasma").select_option("negative")
    page.locator("#id_vector_copies_per_cell").fill("2.1")
    page.locator("#id_release_status").select_option("released")
    page.locator("#id_release_date").fill("2024-03-06")
    page.locator("#id_released_for").select_option(value=str(patient.pk))
    save()
    expect(page.get_by_text("Product lot saved.")).to_be_visible()


def test_an_infusion_from_a_registered_lot_shows_its_chain_of_identity(
        page, sign_in, screenshot, save, coordinator_user, conditioned):
    # given a coordinator registers donor D-017 and lot L-0042 released for RD-001
    sign_in("ana")
    page.goto("/product/")
    register_donor(page, save)
    register_released_lot(page, save, conditioned)
    lot_row = page.locator("tbody tr", has_text="L-0042")
    expect(lot_row).to_contain_text("D-017")
    expect(lot_row).to_contain_text("Released")
    expect(lot_row).to_contain_text("RD-001")

    # when RD-001's infusion is entered from that lot: 3.25×10⁸ CAR+ viable cells for 65 kg
    page.goto("/patients/RD-001/")
    page.get_by_role("link", name="Add infusion").click()
    page.get_by_label("Number").fill("1")
    page.locator("#id_date").fill("2024-03-12")
    page.get_by_label("Dose level").select_option(label="DL1 (5e+06 cells/kg)")
    page.locator("#id_lot").select_option(label="L-0042 (released for RD-001)")
    page.locator("#id_cells_per_kg").fill("5000000")
    page.locator("#id_weight_kg").fill("65")
    page.locator("#id_viability_pct").fill("94")
    save()
    expect(page.get_by_text("Infusion saved.")).to_be_visible()

    # then the infusion page shows the chain from the donor to the infusion, in order
    chain = page.locator("ol.chain li")
    expect(chain).to_have_text([
        "Donor: D-017, HLA match 5/10, eligible 2024-01-15",
        "Product lot: L-0042, manufactured 2024-02-20: CAR+ 45%, viability 92%, VCN 2.1/cell, "
        "sterility negative, mycoplasma negative",
        "Release: Released on 2024-03-06",
        "Released for: RD-001",
        "Infusion: Infusion 1 of RD-001 on 2024-03-12, 5e+06 CAR+ viable cells/kg received",
    ])
    screenshot("infusion-chain")
    [infusion] = Infusion.objects.all()
    assert infusion.lot.lot_number == "L-0042"

    # and the product page lists the infusion given from the lot
    page.goto("/product/")
    expect(page.locator("tbody tr", has_text="L-0042")).to_contain_text("Infusion 1")
