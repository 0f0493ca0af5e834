"""Vital signs: ranges refused at entry and by the table, diastolic below systolic, the log form,
the API listing and the CRS details page that shows the vital signs of its episode."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from patients.models import VitalSigns
from tests import factories
from tests.api.conftest import token_client
from tests.crf_payloads import error_beside, form_data
from tests.factories import CONSENT

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 9) -> datetime:
    return datetime.combine(CONSENT + timedelta(days=day), datetime.min.time(),
                            tzinfo=UTC).replace(hour=hour)


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("temperature_c", 98.6, "a body temperature in °C (30–45)"),  # typed in °F
    ("heart_rate", 720, "a heart rate in beats/min (20–250)"),
    ("systolic_bp", 300, "a systolic blood pressure in mmHg (40–260)"),
    ("diastolic_bp", 10, "a diastolic blood pressure in mmHg (20–160)"),
    ("respiratory_rate", 2, "a respiratory rate in breaths/min (4–80)"),
    ("spo2_pct", 101.5, "an oxygen saturation in percent (50–100)"),
])
def test_a_vital_sign_out_of_range_is_refused_naming_the_range(field, value, rule):
    vitals = VitalSigns(patient=factories.patient(), measured_at=_at(0), timepoint="screening",
                        **{field: value})
    with pytest.raises(ValidationError) as refused:
        vitals.full_clean()
    assert refused.value.message_dict[field] == [f"{value} is not {rule}"]


def test_the_table_refuses_an_out_of_range_spo2_written_around_the_forms():
    vitals = factories.vital_signs(factories.patient())
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.filter(pk=vitals.pk).update(spo2_pct=140)


@pytest.mark.parametrize(("systolic", "diastolic"), [(120, 130), (90, 90)])
def test_a_diastolic_pressure_not_below_the_systolic_is_refused(systolic, diastolic):
    vitals = VitalSigns(patient=factories.patient(), measured_at=_at(0), timepoint="screening",
                        systolic_bp=systolic, diastolic_bp=diastolic)
    with pytest.raises(ValidationError) as refused:
        vitals.full_clean()
    assert refused.value.message_dict["diastolic_bp"] == [
        f"{diastolic} mmHg is not below the systolic pressure {systolic} mmHg."]


def test_the_table_refuses_a_diastolic_above_the_systolic_written_around_the_forms():
    vitals = factories.vital_signs(factories.patient())
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalSigns.objects.filter(pk=vitals.pk).update(diastolic_bp=150)


def test_a_diastolic_pressure_alone_is_accepted():
    assert factories.vital_signs(factories.patient(), systolic_bp=None, diastolic_bp=88).pk


def test_a_set_of_vital_signs_without_any_value_is_refused():
    vitals = VitalSigns(patient=factories.patient(), measured_at=_at(0), timepoint="other")
    with pytest.raises(ValidationError) as refused:
        vitals.full_clean()
    assert refused.value.message_dict["temperature_c"] == ["Give at least one measured value."]


def test_vital_signs_measured_after_death_are_refused():
    patient = factories.patient()
    factories.death(patient, CONSENT + timedelta(days=20))
    with pytest.raises(ValidationError, match="nothing clinical after death"):
        factories.vital_signs(patient, at=_at(25), timepoint="other")


def test_the_browser_form_refuses_a_diastolic_above_the_systolic_beside_it(client, coordinator):
    patient = factories.patient()
    client.force_login(coordinator)
    response = client.post(f"/patients/{patient.subject_id}/vital-signs/new/",
                           form_data("vital-signs", systolic_bp=100, diastolic_bp=110))
    assert "110 mmHg is not below the systolic pressure 100 mmHg" in error_beside(
        response, "diastolic_bp")
    assert not VitalSigns.objects.exists()


def test_the_log_form_saves_and_opens_another_for_the_next_reading(client, coordinator):
    patient = factories.patient()
    client.force_login(coordinator)
    response = client.post(f"/patients/{patient.subject_id}/vital-signs/new/",
                           {**form_data("vital-signs"), "_another": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith("/vital-signs/new/")
    saved = VitalSigns.objects.get(patient=patient)
    assert (saved.timepoint, saved.systolic_bp, saved.diastolic_bp) == ("infusion", 120, 75)


def test_the_crs_details_page_shows_the_vital_signs_of_its_episode_only(client, coordinator):
    patient = factories.patient()
    factories.lymphodepletion(patient)
    factories.infusion(patient)
    onset = CONSENT + timedelta(days=13)
    crs = factories.adverse_event(patient, onset_date=onset,
                                  resolution_date=onset + timedelta(days=3))
    details = factories.crs_details(crs)
    factories.vital_signs(patient, at=_at(12), timepoint="infusion", heart_rate=77)
    factories.vital_signs(patient, at=_at(14, 15), timepoint="during_crs", heart_rate=131,
                          temperature_c=39.6, oxygen_support="low_flow")
    factories.vital_signs(patient, at=_at(20), timepoint="other", heart_rate=66)
    client.force_login(coordinator)
    page = client.get(f"/patients/{patient.subject_id}/crs/{details.pk}/").content.decode()
    assert "Vital signs during the episode" in page
    assert "131" in page and "39.6" in page
    assert ">77<" not in page and ">66<" not in page


def test_the_api_lists_vital_signs_by_time_point():
    patient = factories.patient()
    factories.vital_signs(patient, at=_at(0), timepoint="screening")
    factories.vital_signs(patient, at=_at(14), timepoint="during_crs", temperature_c=39.1)
    rows = token_client("sponsor").get(
        "/api/v1/vital-signs/?timepoint=during_crs").json()["results"]
    assert [(r["subject_id"], r["temperature_c"]) for r in rows] == [("RD-001", 39.1)]
