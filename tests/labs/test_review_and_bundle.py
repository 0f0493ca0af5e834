"""Labs in the data review (cytopenias no AE records) and in the casebook bundle (round trip)."""

from datetime import date

import pytest

from endpoints.snapshots import recompute
from exchange.dump import export_bundle
from exchange.services import bundle_import_json
from labs.models import LabResult
from tests import factories

pytestmark = pytest.mark.django_db
CUTOFF = date(2024, 4, 30)


def _findings(rule):
    review = recompute(CUTOFF).review
    return [f for f in review["findings"] if f["rule"] == rule]


def test_grade_3_or_4_counts_no_ae_records_are_listed_once_per_run(infused_patient):
    # given ANC grade 4 on day 3, grade 3 on day 5, grade 2 on day 9, and platelets grade 3 on
    # day 3, taken between the two ANC counts
    factories.lab_result(infused_patient, day=3, test="anc", value=0.3, ref_low=1.8)
    factories.lab_result(infused_patient, day=3, test="platelets", value=40, ref_low=150)
    for day, value in ((5, 0.8), (9, 1.2)):
        factories.lab_result(infused_patient, day=day, test="anc", value=value, ref_low=1.8)
    # when / then: one run of neutropenia (days 3–5) and one of thrombocytopenia
    found = _findings("cytopenia_not_recorded")
    assert [(f["date"], f["derived"]) for f in found] == [("2024-03-15", 4), ("2024-03-15", 3)]
    assert found[0]["message"] == (
        "grade 4 neutropenia (ANC 300/µL) on 2024-03-15: counts of grade ≥ 3 from 2024-03-15 and "
        "1 later count(s) of grade ≥ 3, and no neutropenia adverse event recorded over them")


def test_a_count_an_open_ae_covers_is_not_listed(infused_patient):
    factories.adverse_event(infused_patient, term="Neutropenia", grade=4,
                            onset_date=date(2024, 3, 14), relatedness="unlikely")
    factories.lab_result(infused_patient, day=3, test="anc", value=0.3, ref_low=1.8)
    assert _findings("cytopenia_not_recorded") == []


def test_lab_results_travel_in_the_bundle_and_back():
    # given a trial with two results exported
    patient = factories.patient()
    factories.infusion(patient)
    factories.lab_result(patient, day=3, test="anc", value=0.3, ref_low=1.8, ref_high=7.5)
    factories.lab_result(patient, day=3, test="crp", value=0.5, below_detection=True)
    bundle = export_bundle()
    assert [r["test"] for r in bundle["patients"][0]["lab_results"]] == ["anc", "crp"]
    # when imported over the trial
    bundle_import_json(bundle, replace=True)
    # then the same results are current, and the export is the same
    assert sorted(LabResult.objects.values_list("test", "value", "below_detection")) == [
        ("anc", 0.3, False), ("crp", 0.5, True)]
    assert export_bundle() == bundle


def test_a_bundle_without_lab_results_still_imports():
    patient = factories.patient()
    factories.infusion(patient)
    bundle = export_bundle()
    for p in bundle["patients"]:
        del p["lab_results"]
    bundle_import_json(bundle, replace=True)
    assert not LabResult.objects.exists()
