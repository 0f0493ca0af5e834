"""The laboratory result CRF: a log form entered several at a sitting, named by test and value."""

import pytest

from casebook.record_labels import record_label
from labs.models import LabResult
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/patients/RD-001/lab-result/new/"


def test_save_and_add_another_opens_a_new_laboratory_result(client, coordinator,
                                                            infused_patient):
    client.force_login(coordinator)
    assert "Save and add another" in client.get(URL).content.decode()
    response = client.post(URL, {"collected_at": "2024-03-15T07:30", "test": "anc",
                                 "value": "0.3", "unit": "10^9/L", "ref_low": "1.8",
                                 "ref_high": "7.5", "_another": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == URL
    [result] = LabResult.objects.all()
    assert (result.test, result.value, result.history.first().history_user) == (
        "anc", 0.3, coordinator)


def test_the_casebook_lists_laboratory_results_and_names_them(client, coordinator,
                                                              infused_patient):
    result = factories.lab_result(infused_patient, day=3, test="crp", value=0.5,
                                  below_detection=True)
    assert record_label(result) == "CRP < 0.5 mg/L, 15 Mar 2024"
    client.force_login(coordinator)
    page = client.get("/patients/RD-001/").content.decode()
    assert "Laboratory results" in page
    assert f"/patients/RD-001/lab-result/{result.pk}/" in page


def test_the_record_page_shows_the_derived_ctcae_grade(client, coordinator, infused_patient):
    result = factories.lab_result(infused_patient, day=3, test="alt", value=250, ref_low=0,
                                  ref_high=40)
    client.force_login(coordinator)
    page = client.get(f"/patients/RD-001/lab-result/{result.pk}/").content.decode()
    assert "Derived CTCAE v5.0 grade" in page
    assert "grade 3 ALT increased (ALT 250 U/L, 6.2 × ULN)" in page
