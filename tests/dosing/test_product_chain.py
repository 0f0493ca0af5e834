"""The cell product's chain of identity: donor → lot → release → patient → infusion.

Dates are the factories': consent 2024-03-01, lymphodepletion 03-07 for 3 days, infusion 1 on
2024-03-12 (day 0) at DL1 (5e6 CAR-T cells/kg). The lot L-0042 holds 3.25e8 CAR+ viable cells:
for a 65 kg patient, exactly 5e6 cells/kg.
"""

import csv
import io
import json
import xml.etree.ElementTree as etree
import zipfile
from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from core.edit_checks import findings
from dosing.models import Donor, Infusion, ProductLot
from exchange.dump import dumps, export_bundle
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from tests import factories
from tests.api.conftest import token_client
from tests.crf_payloads import error_beside, form_data
from tests.data import demo_casebook

pytestmark = pytest.mark.django_db


@pytest.fixture
def conditioned():
    patient = factories.patient()
    factories.lymphodepletion(patient)
    return patient


def infusion_of(patient, **fields):
    values = dict(number=1, date=date(2024, 3, 12), time=time(10, 0),
                  dose_level=factories.dose_level(), weight_kg=65.0)
    values.update(fields)
    return Infusion(patient=patient, **values)


def fired(record) -> list[str]:
    return [f.id for f in findings(record)]


def refusal(record) -> dict:
    with pytest.raises(ValidationError) as refused:
        record.full_clean()
    return refused.value.message_dict


# --- the lot's own rules

def test_a_lot_with_pending_sterility_cannot_be_released(conditioned):
    lot = factories.product_lot("L-0050")
    lot.sterility, lot.release_status = "pending", "released"
    lot.release_date, lot.released_for = date(2024, 3, 6), conditioned
    assert refusal(lot)["sterility"] == [
        "sterility is pending: a lot is released only with a negative sterility result"]


def test_a_released_lot_names_its_patient_and_date():
    lot = factories.product_lot("L-0051")
    lot.release_status = "released"
    errors = refusal(lot)
    assert errors["release_date"] == ["a released lot needs its release date"]
    assert errors["released_for"] == ["a released lot names the patient it is released for"]


def test_car_positive_viable_cells_cannot_exceed_viable_cells():
    lot = factories.product_lot("L-0052")
    lot.car_positive_viable_cells = 9.5e8
    assert "more than the 9.2e+08 viable cells" in refusal(lot)["car_positive_viable_cells"][0]


def test_hla_match_is_matched_over_typed_alleles():
    assert "e.g. 5/10" in refusal(Donor(donor_code="D-1", hla_match="five"))["hla_match"][0]
    assert refusal(Donor(donor_code="D-2", hla_match="11/10"))["hla_match"] == [
        "HLA match 11/10: more alleles matched than typed"]
    Donor(donor_code="D-3", hla_match="10/10").full_clean()


# --- hard checks of the infusion

def test_infusion_of_a_quarantined_lot_is_refused_naming_field_and_rule(conditioned):
    lot = factories.product_lot("L-0060")  # quarantined
    errors = refusal(infusion_of(conditioned, lot=lot))
    assert errors["lot"] == [
        "EC-INF-03 (hard): Product lot: lot L-0060 is quarantined, not released: RD13-02 is "
        "infused only from a released lot."]


def test_infusion_before_the_lot_is_released_is_refused(conditioned):
    lot = factories.product_lot("L-0061", released_for=conditioned, release_date=date(2024, 3, 13))
    assert "released on 2024-03-13, after the infusion on 2024-03-12" in \
        refusal(infusion_of(conditioned, lot=lot))["lot"][0]


def test_infusion_of_a_lot_released_for_another_patient_is_refused(conditioned):
    other = factories.patient("RD-002")
    lot = factories.product_lot("L-0062", released_for=other)
    errors = refusal(infusion_of(conditioned, lot=lot))
    assert errors["lot"] == [
        "EC-INF-04 (hard): Product lot: lot L-0062 is released for RD-002, not for RD-001: a "
        "lot is infused only to the patient it is released for."]


def test_thaw_after_the_infusion_start_is_refused(conditioned):
    record = infusion_of(conditioned, received_at=datetime(2024, 3, 12, 8, tzinfo=UTC),
                         thawed_at=datetime(2024, 3, 12, 10, 30, tzinfo=UTC))
    assert refusal(record)["thawed_at"] == [
        "EC-INF-05 (hard): Thaw started at: 2024-03-12 10:30 is after the infusion start "
        "(2024-03-12 10:00): a product is thawed before it is infused."]


def test_thaw_before_receipt_is_refused(conditioned):
    record = infusion_of(conditioned, received_at=datetime(2024, 3, 12, 9, tzinfo=UTC),
                         thawed_at=datetime(2024, 3, 12, 8, tzinfo=UTC))
    assert "is before the product was received" in refusal(record)["thawed_at"][0]


def test_thaw_on_a_later_day_than_an_untimed_infusion_is_refused(conditioned):
    record = infusion_of(conditioned, time=None, thawed_at=datetime(2024, 3, 13, 8, tzinfo=UTC))
    assert "after the infusion date 2024-03-12" in refusal(record)["thawed_at"][0]


def test_released_lot_for_this_patient_infused_in_order_is_accepted(conditioned):
    lot = factories.product_lot(released_for=conditioned)
    record = infusion_of(conditioned, lot=lot, received_at=datetime(2024, 3, 12, 8, tzinfo=UTC),
                         thawed_at=datetime(2024, 3, 12, 9, 30, tzinfo=UTC))
    record.full_clean()
    assert fired(record) == []
    assert record.product_lot == "L-0042"  # the text follows the linked lot


def test_a_typed_lot_number_that_is_not_the_linked_lot_is_refused(conditioned):
    lot = factories.product_lot(released_for=conditioned)
    assert refusal(infusion_of(conditioned, lot=lot, product_lot="L-0099"))["product_lot"] == [
        "Product lot: 'L-0099' is not the linked lot 'L-0042'"]


# --- the dose received and the soft dose check

def test_dose_received_is_the_lots_car_positive_viable_cells_per_kg(conditioned):
    lot = factories.product_lot(released_for=conditioned)
    record = infusion_of(conditioned, lot=lot, cells_per_kg=9e6)
    assert record.received_cells_per_kg == pytest.approx(5e6)
    assert fired(record) == []  # the typed 9e6 is overruled by the lot's count


def test_dose_mismatch_uses_the_lots_count_when_a_lot_is_linked(conditioned):
    lot = factories.product_lot(released_for=conditioned, car_positive_viable_cells=6.5e8)
    record = infusion_of(conditioned, lot=lot, cells_per_kg=5e6)
    assert [f.message for f in findings(record)] == [
        "1e+07 CAR-T cells/kg (computed from lot L-0042's CAR+ viable cells) is not the dose of "
        "DL1 (5e+06 cells/kg ± 10%): a dosing deviation"]


def test_without_a_lot_the_recorded_dose_is_compared_as_before(conditioned):
    record = infusion_of(conditioned, cells_per_kg=9e6)
    assert fired(record) == ["EC-INF-02"]
    assert "computed from" not in findings(record)[0].message


def test_flat_dose_level_compares_the_lots_car_positive_viable_cells(conditioned):
    flat = factories.dose_level("DL2", total_cells=4e8)
    lot = factories.product_lot(released_for=conditioned)  # 3.25e8: 19% under
    record = infusion_of(conditioned, dose_level=flat, lot=lot, total_cells=4e8)
    assert [f.message for f in findings(record)] == [
        "3.25e+08 CAR-T cells (computed from lot L-0042's CAR+ viable cells) is not the flat "
        "dose of DL2 (4e+08 cells ± 10%): a dosing deviation"]


# --- the casebook bundle: study.donors and study.product_lots

def bundle_with_lot(**lot_fields) -> dict:
    """The demo casebook with DEMO-01's infusion (2023-03-06, DL1 5e6/kg) given from lot
    L-0042, whose 3.5e8 CAR+ viable cells make 5e6/kg at 70 kg."""
    bundle = demo_casebook()
    bundle["study"]["donors"] = [{"donor_code": "D-017", "hla_typing": "A*02:01,A*24:02",
                                  "hla_match": "5/10", "eligibility_date": "2023-01-10"}]
    lot = {"lot_number": "L-0042", "donor": "D-017", "manufacture_date": "2023-02-10",
           "car_positive_pct": 45.0, "viability_pct": 92.0, "total_nucleated_cells": 1.0e9,
           "viable_cells": 9.2e8, "car_positive_viable_cells": 3.5e8, "sterility": "negative",
           "endotoxin_eu_per_ml": 0.2, "mycoplasma": "negative", "vector_copies_per_cell": 2.1,
           "release_status": "released", "release_date": "2023-03-01",
           "released_for": "DEMO-01"}
    lot.update(lot_fields)
    bundle["study"]["product_lots"] = [lot]
    infusion = bundle["patients"][0]["infusions"][0]
    infusion.update(product_lot="L-0042", weight_kg=70.0,
                    received_at="2023-03-06T08:00:00Z", thawed_at="2023-03-06T09:00:00Z")
    return bundle


def problems_of(bundle) -> list[str]:
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle)
    return refused.value.problems


def test_a_bundle_lot_is_imported_and_its_infusion_linked_by_lot_number():
    bundle_import_json(bundle_with_lot())
    infusion = Infusion.objects.get(patient__subject_id="DEMO-01", number=1)
    assert infusion.lot.lot_number == "L-0042"
    assert infusion.lot.released_for.subject_id == "DEMO-01"
    assert infusion.lot.donor.hla_match == "5/10"
    assert infusion.thawed_at == datetime(2023, 3, 6, 9, tzinfo=UTC)
    assert ProductLot.history.get().history_change_reason == "import"


def test_a_product_lot_text_without_a_registered_lot_stays_text():
    bundle = demo_casebook()
    bundle["patients"][0]["infusions"][0]["product_lot"] = "LEGACY-7"
    bundle_import_json(bundle)
    infusion = Infusion.objects.get(patient__subject_id="DEMO-01", number=1)
    assert (infusion.product_lot, infusion.lot) == ("LEGACY-7", None)


def test_a_bundle_infusing_a_quarantined_lot_is_refused_at_the_lot_path():
    problems = problems_of(bundle_with_lot(release_status="quarantined", release_date=None,
                                           released_for=None))
    assert "patients[0].infusions[0].product_lot: EC-INF-03 (hard): Product lot: lot L-0042 " \
           "is quarantined, not released" in " | ".join(problems)
    assert not ProductLot.objects.exists()


def test_a_bundle_infusing_a_lot_before_its_release_is_refused_at_the_lot_path():
    problems = problems_of(bundle_with_lot(release_date="2023-03-07"))  # infused 2023-03-06
    assert ("patients[0].infusions[0].product_lot: EC-INF-03 (hard): Product lot: lot L-0042 "
            "was released on 2023-03-07, after the infusion on 2023-03-06"
            in " | ".join(problems))
    assert not ProductLot.objects.exists() and not Infusion.objects.exists()


def test_a_bundle_lot_released_for_another_patient_is_refused():
    problems = problems_of(bundle_with_lot(released_for="DEMO-02"))
    assert any(p.startswith("patients[0].infusions[0].product_lot: EC-INF-04 (hard)")
               for p in problems)


def test_a_bundle_lot_released_for_an_unknown_patient_or_donor_is_refused():
    problems = problems_of(bundle_with_lot(released_for="NOBODY", donor="D-999"))
    assert "study.product_lots[0].donor: 'D-999' is not a donor of study.donors or this " \
           "database" in problems


def test_an_unknown_key_in_a_lot_is_an_error():
    problems = problems_of(bundle_with_lot(potency="high"))
    assert problems[0].startswith("study.product_lots[0].potency: unknown key")


def test_the_chain_round_trips_export_import_export(tmp_path):
    bundle_import_json(bundle_with_lot())
    first = dumps(export_bundle())
    exported = json.loads(first)
    assert exported["study"]["product_lots"][0]["released_for"] == "DEMO-01"
    assert exported["study"]["donors"][0]["hla_typing"] == "A*02:01,A*24:02"
    bundle_import_json(exported, replace=True)
    assert dumps(export_bundle()) == first
    assert Infusion.objects.get(patient__subject_id="DEMO-01", number=1).lot.lot_number == \
        "L-0042"


# --- the pages: master data entered by coordinators, the chain on the infusion's page ---------

def lot_form(patient, **fields) -> dict:
    values = {"lot_number": "L-0070", "donor": factories.donor().pk,
              "manufacture_date": "2024-02-10", "car_positive_viable_cells": "3.25e8",
              "sterility": "negative", "mycoplasma": "negative", "release_status": "released",
              "release_date": "2024-03-06", "released_for": patient.pk}
    values.update(fields)
    return values


def test_a_coordinator_registers_a_released_lot_and_it_is_audited(client, coordinator,
                                                                     conditioned):
    client.force_login(coordinator)
    response = client.post("/product/lot/new/", lot_form(conditioned))
    assert response.status_code == 302
    lot = ProductLot.objects.get(lot_number="L-0070")
    [entry] = lot.history.all()
    assert (entry.history_user, entry.history_change_reason) == (coordinator, "initial entry")
    page = client.get("/product/").content.decode()
    assert "L-0070" in page and "RD-001" in page


def test_releasing_a_lot_with_positive_mycoplasma_is_refused_on_the_page(client, coordinator,
                                                                        conditioned):
    client.force_login(coordinator)
    response = client.post("/product/lot/new/", lot_form(conditioned, mycoplasma="positive"))
    assert response.status_code == 200
    assert "mycoplasma is positive: a lot is released only with a negative mycoplasma result" \
        in response.content.decode()
    assert not ProductLot.objects.exists()


def test_editing_a_lot_needs_a_reason_and_shows_in_its_audit_trail(client, coordinator,
                                                                  conditioned):
    lot = factories.product_lot(released_for=conditioned)
    client.force_login(coordinator)
    form = lot_form(conditioned, lot_number="L-0042", row_version=lot.row_version,
                    release_date="2024-03-07")
    assert "reason" in client.post(f"/product/lot/{lot.pk}/edit/", form).context["form"].errors
    form["reason"] = "release date corrected from the certificate"
    assert client.post(f"/product/lot/{lot.pk}/edit/", form).status_code == 302
    trail = client.get(f"/product/lot/{lot.pk}/history/").content.decode()
    assert "release date corrected from the certificate" in trail


def test_a_sponsor_cannot_open_the_product_pages(client, sponsor):
    client.force_login(sponsor)
    assert client.get("/product/").status_code == 403


def test_a_monitor_reads_but_cannot_register_a_lot(client, monitor):
    client.force_login(monitor)
    assert client.get("/product/").status_code == 200
    assert client.get("/product/lot/new/").status_code == 403


def test_the_infusion_page_shows_the_chain_donor_lot_release_patient_infusion(
        client, coordinator, conditioned):
    lot = factories.product_lot(released_for=conditioned)
    infusion = factories.infusion(conditioned, lot=lot, weight_kg=65.0, cells_per_kg=None)
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/infusion/{infusion.pk}/").content.decode()
    chain = page[page.index("Chain of identity"):]
    steps = ["D-017, HLA match 5/10", "L-0042, manufactured 2024-02-10", "Released on 2024-03-06",
             "Released for</strong>: RD-001", "Infusion 1 of RD-001 on 2024-03-12, 5e+06 CAR+"]
    positions = [chain.index(step) for step in steps]
    assert positions == sorted(positions)


# --- the API: the lot travels, the donor's HLA typing never does ------------------------------

@pytest.fixture
def infused_from_lot(conditioned):
    lot = factories.product_lot(released_for=conditioned)
    factories.infusion(conditioned, lot=lot, weight_kg=65.0, cells_per_kg=None,
                       received_at=datetime(2024, 3, 12, 8, tzinfo=UTC),
                       thawed_at=datetime(2024, 3, 12, 9, 30, tzinfo=UTC))
    return lot


@pytest.mark.parametrize("role", ["sponsor", "monitor"])
def test_the_infusion_listing_carries_the_lot_and_the_dose_received(infused_from_lot, role):
    [row] = token_client(role).get("/api/v1/infusions/").json()["results"]
    assert (row["lot_number"], row["lot_release_status"], row["donor_code"]) == (
        "L-0042", "released", "D-017")
    assert row["received_cells_per_kg"] == pytest.approx(5e6)
    assert row["thawed_at"] == "2024-03-12T09:30:00Z"


@pytest.mark.parametrize("role", ["sponsor", "monitor", "investigator"])
def test_the_lot_listing_sends_the_hla_match_and_never_the_hla_typing(infused_from_lot, role):
    response = token_client(role).get("/api/v1/product-lots/")
    [row] = response.json()["results"]
    assert (row["lot_number"], row["donor_code"], row["donor_hla_match"], row["released_for"]) \
        == ("L-0042", "D-017", "5/10", "RD-001")
    assert "A*02:01" not in response.content.decode()


def test_a_coordinator_is_refused_the_lot_listing_as_every_listing(infused_from_lot):
    assert token_client("coordinator").get("/api/v1/product-lots/").status_code == 403


# --- the exports: the infusion's lot, and the lots as trial-level reference data -------------

def forms_zip(role) -> dict[str, str]:
    content = token_client(role).get("/api/v1/exports/forms.zip").content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_forms_csv_names_the_infusions_lot_and_lists_the_lots(infused_from_lot):
    files = forms_zip("monitor")
    [infusion] = csv_rows(files["infusion.csv"])
    assert (infusion["lot"], infusion["product_lot"]) == ("L-0042", "L-0042")
    assert infusion["thawed_at"].startswith("2024-03-12T09:30")
    [lot] = csv_rows(files["product_lots.csv"])
    assert (lot["lot_number"], lot["donor"], lot["released_for"], lot["release_status"],
            lot["donor_hla_match"], lot["donor_hla_typing"]) == (
        "L-0042", "D-017", "RD-001", "released", "5/10", "A*02:01,A*24:02; B*07:02,B*35:01")
    assert "product-lot,sterility" in files["dictionary.csv"]


def test_a_sponsors_forms_csv_and_odm_leave_out_the_hla_typing(infused_from_lot):
    files = forms_zip("sponsor")
    [lot] = csv_rows(files["product_lots.csv"])
    assert "donor_hla_typing" not in lot and lot["donor_hla_match"] == "5/10"
    odm = token_client("sponsor").get("/api/v1/exports/odm.xml").content.decode()
    assert "A*02:01" not in odm and "I.PRODUCT_LOT.DONOR_HLA_TYPING" not in odm


def test_the_odm_carries_the_lots_as_reference_data_before_the_clinical_data(infused_from_lot):
    odm = etree.fromstring(token_client("monitor").get("/api/v1/exports/odm.xml").content)
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    children = [child.tag.split("}")[1] for child in odm]
    assert children.index("ReferenceData") < children.index("ClinicalData")
    items = {item.get("ItemOID"): item.get("Value") for item in odm.iterfind(
        "odm:ReferenceData/odm:ItemGroupData[@ItemGroupOID='IG.PRODUCT_LOT']/odm:ItemData", ns)}
    assert items["I.PRODUCT_LOT.LOT_NUMBER"] == "L-0042"
    assert items["I.PRODUCT_LOT.DONOR_HLA_TYPING"].startswith("A*02:01")
    assert odm.find(".//odm:ItemGroupDef[@OID='IG.PRODUCT_LOT']", ns) is not None
    infusion_items = {item.get("ItemOID"): item.get("Value") for item in odm.iterfind(
        ".//odm:ItemGroupData[@ItemGroupOID='IG.INFUSION']/odm:ItemData", ns)}
    assert infusion_items["I.INFUSION.LOT"] == "L-0042"


def test_the_infusion_form_refuses_a_lot_released_for_another_patient_beside_the_lot(
        client, coordinator, conditioned):
    lot = factories.product_lot("L-0062", released_for=factories.patient("RD-002"))
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/infusion/new/",
                           form_data("infusion", lot=lot.pk, weight_kg=65))
    assert response.status_code == 200
    assert "EC-INF-04 (hard): Product lot: lot L-0062 is released for RD-002, not for RD-001" \
        in error_beside(response, "lot")
    assert not Infusion.objects.exists()


def test_the_infusion_form_refuses_a_lot_released_after_the_infusion_beside_the_lot(
        client, coordinator, conditioned):
    lot = factories.product_lot("L-0063", released_for=conditioned,
                                release_date=date(2024, 3, 13))
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/infusion/new/",
                           form_data("infusion", lot=lot.pk, weight_kg=65))
    assert response.status_code == 200
    assert ("EC-INF-03 (hard): Product lot: lot L-0063 was released on 2024-03-13, after the "
            "infusion on 2024-03-12" in error_beside(response, "lot"))
    assert not Infusion.objects.exists()


def test_the_infusion_form_offers_only_released_lots(client, coordinator, conditioned):
    factories.product_lot("L-0060")  # quarantined
    factories.product_lot(released_for=conditioned)
    client.force_login(coordinator)
    page = client.get("/patients/RD-001/infusion/new/").content.decode()
    assert "L-0042 (released for RD-001)" in page and "L-0060" not in page


def test_the_infusion_form_links_a_released_lot_and_fills_the_lot_number(client, coordinator,
                                                                         conditioned):
    lot = factories.product_lot(released_for=conditioned)
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/infusion/new/",
                           form_data("infusion", lot=lot.pk, weight_kg=65,
                                     thawed_at="2024-03-12 09:30"))
    assert response.status_code == 302, error_beside(response, "thawed_at")
    infusion = Infusion.objects.get()
    assert (infusion.lot, infusion.product_lot) == (lot, "L-0042")
