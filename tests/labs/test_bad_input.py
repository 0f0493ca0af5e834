"""A laboratory value that cannot be (above any patient's, so in another unit or mistyped) or in
a unit other than its test's: refused naming the field, nothing written, on the form, the
central lab's post and the import alike."""

import json

import pytest
from django.core.exceptions import ValidationError

from exchange.dump import export_bundle
from exchange.read import BundleProblems
from exchange.services import bundle_import_json
from labs.models import LabResult
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db
URL = "/patients/RD-001/lab-result/new/"


@pytest.mark.parametrize(("test", "value"), [
    ("anc", 1500),  # 1,500 /µL typed as ×10⁹/L
    ("platelets", 150000),  # 150,000 /µL
    ("haemoglobin", 1100),
    ("fibrinogen", 250),  # 250 mg/dL
    ("crp", 5000),
])
def test_an_impossible_value_is_refused_naming_the_value(infused_patient, test, value):
    with pytest.raises(ValidationError) as refused:
        factories.lab_result(infused_patient, test=test, value=value)
    [message] = refused.value.message_dict["value"]
    assert f"{value:g} is not a possible" in message and "converted to this unit" in message
    assert not LabResult.all_objects.exists()


@pytest.mark.parametrize(("test", "value"), [
    ("anc", 150), ("platelets", 2500), ("haemoglobin", 230), ("ferritin", 250000),
    ("il6", 80000), ("alt", 12000), ("fibrinogen", 9)])
def test_extreme_but_possible_values_are_kept(infused_patient, test, value):
    factories.lab_result(infused_patient, test=test, value=value)
    assert LabResult.objects.get().value == value


def test_the_form_refuses_an_impossible_value_and_a_foreign_unit_naming_each(
        client, coordinator, infused_patient):
    client.force_login(coordinator)
    typed = {"collected_at": "2024-03-15T07:30", "test": "anc", "value": "1500",
             "unit": "10^9/L", "ref_low": "1.8", "ref_high": "7.5"}
    impossible = client.post(URL, typed)
    foreign_unit = client.post(URL, {**typed, "value": "0.3", "unit": "g/L"})
    assert impossible.status_code == foreign_unit.status_code == 200
    assert "is not a possible Neutrophils (ANC)" in " ".join(
        impossible.context["form"].errors["value"])
    assert "recorded in ×10⁹/L" in " ".join(foreign_unit.context["form"].errors["unit"])
    assert not LabResult.all_objects.exists()


def test_the_central_labs_post_of_an_impossible_value_stores_nothing(infused_patient):
    rows = [{"subject_id": "RD-001", "collected_at": "2024-03-19T07:30:00Z", "test": test,
             "value": value, "unit": "10^9/L", "below_detection": False}
            for test, value in (("anc", 0.3), ("platelets", 45000))]
    response = token_client("coordinator").post("/api/v1/lab-results/", json.dumps(rows),
                                                content_type="application/json")
    assert response.status_code == 400
    [problem] = response.json()["problems"]
    assert problem.startswith("lab_results[1].value: 45000 is not a possible Platelets")
    assert not LabResult.all_objects.exists()


def test_an_imported_impossible_value_is_a_problem_at_its_path(infused_patient):
    factories.lab_result(infused_patient, test="anc", value=0.3)
    bundle = export_bundle()
    bundle["patients"][0]["lab_results"][0]["value"] = 300
    with pytest.raises(BundleProblems) as refused:
        bundle_import_json(bundle, replace=True)
    [problem] = refused.value.problems
    assert problem.startswith("patients[0].lab_results[0].value: 300 is not a possible")
    assert LabResult.objects.get().value == 0.3
