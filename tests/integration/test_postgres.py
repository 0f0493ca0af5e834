"""The whole data model on the real PostgreSQL (pass 3 of `make test`; required under CI=true)."""

from datetime import date

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from tests import factories
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

CLINICAL_APPS = ("trial_edc", "patients", "dosing", "safety", "efficacy", "pk", "labs")


@pytest.fixture(autouse=True)
def on_postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: make test runs this pass when 127.0.0.1:5432 answers")


def every_model():
    return [m for a in CLINICAL_APPS for m in apps.get_app_config(a).get_models()]


def test_every_model_round_trips(infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4, resolution_date=date(2024, 3, 20))
    factories.crs_details(ae, hypotension="multiple_vasopressors", oxygen="positive_pressure")
    icans = factories.adverse_event(infused_patient, term="ICANS", grade=3)
    factories.icans_details(icans, ice_score=2, seizure="rapidly_resolving")
    gvhd = factories.adverse_event(infused_patient, term="Acute GVHD", grade=2)
    factories.gvhd_details(gvhd, magic_grade=2)
    factories.adjudication(ae)
    from safety.models import DltCandidate
    factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS — D2"))
    factories.eligibility(infused_patient)
    factories.response(infused_patient, on=date(2024, 4, 9), mrd_pct=0.005)
    factories.pk_sample(infused_patient, day=0, value=None)
    factories.pk_sample(infused_patient, day=10, value=250000.5)
    factories.hsct(infused_patient, on=date(2024, 6, 1))
    factories.disease_event(infused_patient, on=date(2024, 9, 1))
    factories.contact(infused_patient, on=date(2024, 12, 1))
    _the_forms_of_a_car_t_team(infused_patient, ae)
    factories.death(infused_patient, on=date(2025, 1, 10))
    from core.models import Study
    factories.save(Study(pk=1))
    from core.accounts import user_api_token
    user_api_token(factories.user("sponsor"))  # an API token change
    from endpoints.snapshots import recompute
    recompute(date(2025, 6, 30))

    for model in every_model():
        rows = list(model._default_manager.all())
        assert rows, f"{model.__name__}: nothing stored"
        for row in rows:
            again = model._default_manager.get(pk=row.pk)
            for field in model._meta.concrete_fields:
                assert getattr(again, field.attname) == getattr(row, field.attname), \
                    f"{model.__name__}.{field.name}"


def _the_forms_of_a_car_t_team(patient, ae):
    """One row of each form added for the CAR-T team: baseline, vital signs, medications, labs,
    the product's chain, the CAR-T safety events and long-term follow-up (before the death)."""
    factories.medical_history(patient)
    factories.prior_therapy(patient)
    factories.disease_at_screening(patient)
    factories.bridging_therapy(patient)
    factories.vital_signs(patient)
    factories.conmed(patient, start=ae.onset_date, treated_event=ae)
    factories.lab_result(patient, day=7, value=0.4)
    factories.product_lot(released_for=patient)
    factories.infection_details(factories.adverse_event(
        patient, term="Lung infection", grade=2, onset_date=ae.onset_date, relatedness="possible"))
    factories.iec_hs_details(factories.adverse_event(
        patient, term="Immune effector cell-associated HLH-like syndrome", grade=2,
        onset_date=ae.onset_date, relatedness="possible"))
    factories.secondary_malignancy(patient, date(2024, 11, 1))
    factories.rcl_test(patient, "M3", on=date(2024, 6, 11))
    # The year-2 follow-up of another patient: this one dies before Y2's window opens.
    followed = factories.patient("RD-002")
    factories.lymphodepletion(followed)
    factories.infusion(followed)
    factories.ltfu_visit(followed, "Y2")


@pytest.mark.requirement("CON-AUD-01")
def test_every_audited_model_keeps_history_on_postgresql(infused_patient):
    from core.audit import record_save

    infused_patient.off_study_date = date(2024, 8, 1)
    infused_patient.off_study_reason = "withdrew consent"
    record_save(infused_patient, by=factories.user(), reason="patient withdrew")

    latest = infused_patient.history.first()
    assert latest.history_change_reason == "patient withdrew"
    assert latest.off_study_reason == "withdrew consent"


def test_postgresql_enforces_the_check_constraints(infused_patient):
    from patients.models import Patient

    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.update(cd7_positive_blasts_pct=101)


def test_a_large_import_refreshes_the_planner_statistics(django_capture_on_commit_callbacks):
    # given
    from exchange.demo_trial import demo_bundle
    from exchange.services import bundle_import_json
    from exchange.write import ANALYZE_AFTER_ROWS

    def planner_rows(table):
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        counts = bundle_import_json(demo_bundle(60, seed=3), replace=True)
    # then the planner knows how many rows there are now (reltuples is -1 or 0 before ANALYZE)
    assert sum(counts.values()) >= ANALYZE_AFTER_ROWS
    from pk.models import PkSample
    from safety.models import AdverseEvent
    assert planner_rows("safety_adverseevent") == AdverseEvent.all_objects.count() > 0
    assert planner_rows("pk_pksample") == PkSample.all_objects.count() > 0
