"""Numbers reach the server as typed and are refused with a message naming field and rule; MRD
below the limit of detection ("<0.01") is recorded as such and counted MRD-negative."""

import re
from datetime import date

import pytest

from efficacy.models import ResponseAssessment
from efficacy.response import is_mrd_positive_cr, mrd_negative
from endpoints.efficacy import has_mrd_negative_remission
from endpoints.trial_data import AssessmentData, InfusionData, PatientData
from exchange.dump import export_bundle
from patients.models import Patient
from tests import factories
from tests.crf_payloads import error_beside, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def infused(infused_patient):
    return infused_patient


def test_number_fields_are_text_boxes_the_browser_does_not_rewrite(client, coordinator):
    client.force_login(coordinator)
    page = client.get("/patients/new/").content.decode()
    assert 'type="number"' not in page
    assert re.search(r'<input type="text" name="age_at_consent" inputmode="numeric"', page)
    assert re.search(r'<input type="text" name="cd7_positive_blasts_pct" inputmode="decimal"',
                     page)


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("age_at_consent", "1O", "“1O” is not a whole number: Age at consent (years) takes digits "
                             "only, e.g. 27 (nothing was saved)."),
    ("cd7_positive_blasts_pct", "ninety", "“ninety” is not a number: CD7+ blasts (%) takes "
                                          "digits only, e.g. 12.5 (nothing was saved)."),
])
def test_letters_in_a_number_are_refused_as_typed(client, coordinator, field, typed, message):
    client.force_login(coordinator)
    response = client.post("/patients/new/", form_data("patient", **{field: typed}))
    assert error_beside(response, field) == message
    assert f'value="{typed}"' in response.content.decode()
    assert not Patient.objects.filter(subject_id="RD-900").exists()


def test_mrd_below_detection_is_recorded_as_typed_and_shown_again(client, coordinator, infused):
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/response/new/",
                           form_data("response", mrd_pct="<0.01"))
    assert response.status_code == 302
    [assessment] = ResponseAssessment.objects.all()
    assert (assessment.mrd_pct, assessment.mrd_below_detection) == (0.01, True)
    edit = client.get(f"/patients/RD-001/response/{assessment.pk}/edit/").content.decode()
    assert 'value="&lt;0.01"' in edit
    shown = client.get(f"/patients/RD-001/response/{assessment.pk}/").content.decode()
    assert "<dd>&lt;0.01" in shown


def test_a_bare_less_than_is_refused(client, coordinator, infused):
    client.force_login(coordinator)
    response = client.post("/patients/RD-001/response/new/", form_data("response", mrd_pct="<"))
    assert "needs the detection limit" in error_beside(response, "mrd_pct")


def test_below_a_limit_at_the_threshold_is_negative_above_it_unknown():
    assert mrd_negative(0.01, below_detection=True) is True
    assert mrd_negative(0.01) is False
    assert mrd_negative(0.05, below_detection=True) is None
    assert is_mrd_positive_cr("CR", 0.01, below_detection=True) is False


def test_the_endpoint_counts_below_detection_as_negative():
    day0 = date(2024, 3, 12)

    def patient(*assessments):
        return PatientData(
            subject_id="RD-001", enrollment_date=date(2024, 3, 4), off_study_date=None,
            infusions=(InfusionData(1, day0, None, "DL1"),), adverse_events=(),
            assessments=assessments, disease_events=(), hsct_date=None, death_date=None,
            death_cause=None, last_contact_date=None, pk_samples=())

    assert has_mrd_negative_remission(patient(
        AssessmentData("W4", date(2024, 4, 9), "CR", 0.01, True))) is True
    assert has_mrd_negative_remission(patient(
        AssessmentData("W4", date(2024, 4, 9), "CR", 0.01, False))) is False
    assert has_mrd_negative_remission(patient(
        AssessmentData("W4", date(2024, 4, 9), "CR", 0.05, True))) is False


def test_the_bundle_carries_the_flag(infused):
    factories.response(infused, mrd_pct=0.01, mrd_below_detection=True)
    [row] = export_bundle()["patients"][0]["response_assessments"]
    assert (row["mrd_pct"], row["mrd_below_detection"]) == (0.01, True)
