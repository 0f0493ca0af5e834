"""The data-review listing: each rule, and the sample casebook with deliberately wrong grades."""

import copy
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from core.accounts import user_api_token
from core.audit import record_save
from endpoints.snapshots import compute_for_reader
from exchange.services import bundle_import_json
from tests import factories
from tests.data import demo_casebook

pytestmark = pytest.mark.django_db
SAMPLE = demo_casebook()
CUTOFF = date(2025, 6, 30)


def rules_found(cutoff=CUTOFF) -> list[tuple]:
    return [(f["subject_id"], f["rule"], f["date"], f["recorded"], f["derived"])
            for f in compute_for_reader(cutoff).review["findings"]]


@pytest.mark.requirement("CON-REV-01", "CON-REV-02", "CON-REV-03", "CLIN-CRS-09")
@pytest.mark.requirement("CON-BUN-05", "CON-BUN-06")
def test_the_sample_with_wrong_grades_is_flagged_exactly_there():
    bundle = copy.deepcopy(SAMPLE)
    # DEMO-01: CRS recorded grade 1, but fluids for hypotension make it grade 2 (ASTCT)
    bundle["patients"][0]["adverse_events"][0]["crs"] = {
        "max_temp_c": 38.6, "hypotension": "fluids", "oxygen": "none"}
    # DEMO-05: an ICANS recorded grade 1 with an ICE score of 5, which is grade 2
    patient = bundle["patients"][4]
    patient["adverse_events"].append({
        "term": "Immune effector cell-associated neurotoxicity syndrome", "grade": 1,
        "onset_date": patient["infusions"][0]["date"], "resolution_date": None,
        "serious": False, "relatedness": "probable", "icans": {"instrument": "ICE",
                                                              "ice_score": 5}})
    # DEMO-02: a consistent CRS (grade 2 with low-flow oxygen): no finding
    patient = bundle["patients"][1]
    patient["adverse_events"] = [{
        "term": "Cytokine release syndrome", "grade": 2, "serious": False,
        "onset_date": patient["infusions"][0]["date"], "relatedness": "probable",
        "crs": {"max_temp_c": 39.2, "hypotension": "none", "oxygen": "low_flow"}}]
    bundle_import_json(bundle)

    grade_findings = [f for f in rules_found() if f[1].endswith("grade_mismatch")]

    assert grade_findings == [
        ("DEMO-01", "crs_grade_mismatch", "2023-03-07", 1, 2),
        ("DEMO-05", "icans_grade_mismatch", bundle["patients"][4]["infusions"][0]["date"], 1, 2),
    ]


@pytest.mark.requirement("CON-REV-01", "CON-REV-04", "CON-REV-07", "CLIN-RESP-08", "CON-VOC-05")
def test_the_samples_own_findings():
    bundle_import_json(copy.deepcopy(SAMPLE))
    assert rules_found() == [
        ("DEMO-02", "response_mismatch", "2023-05-02", "PR", "SD"),
        ("DEMO-03", "sae_report_overdue", "2023-05-10", None, "2023-05-11T00:00:00+00:00"),
        ("DEMO-04", "response_mismatch", "2023-07-03", "PD", "SD"),
    ]


@pytest.mark.parametrize(("assessed_on", "flagged"), [
    (date(2024, 4, 2), False),   # day 21: first day of W4's window
    (date(2024, 4, 16), False),  # day 35: last day
    (date(2024, 4, 17), True),   # day 36
])
@pytest.mark.requirement("CON-REV-05", "CLIN-VIS-02", "END-ORR-03")
def test_an_assessment_outside_its_window_is_a_deviation(infused_patient, assessed_on, flagged):
    factories.response(infused_patient, visit="W4", on=assessed_on)
    found = [f for f in rules_found() if f[1] == "visit_out_of_window"]
    assert bool(found) is flagged
    if flagged:
        assert found[0][3:] == ("day 36", "day 21–35")


@pytest.mark.requirement("CON-REV-05")
def test_a_pk_sample_outside_its_window_is_a_deviation(infused_patient):
    factories.pk_sample(infused_patient, day=7)            # on day 7
    factories.pk_sample(infused_patient, day=10, value=5.0)
    sample = infused_patient.pk_samples.get(nominal_day=10)
    sample.nominal_day = 14                                # day 10 labelled day 14
    record_save(sample, by=factories.user(), reason="relabelled",  # a soft edit check, confirmed
                confirmations={"EC-PK-02": "the lab's label"})
    found = [f for f in rules_found() if f[1] == "visit_out_of_window"]
    assert [(f[3], f[4]) for f in found] == [("day 10", "day 13–15")]


@pytest.mark.parametrize(("hours", "flagged"), [(23, False), (24, False), (25, True)])
@pytest.mark.requirement("CON-REV-07", "CLIN-AE-05")
def test_an_sae_reported_after_24_hours_is_overdue(infused_patient, hours, flagged):
    aware = datetime(2024, 3, 15, 8, tzinfo=UTC)
    factories.adverse_event(infused_patient, grade=3, serious=True, onset_date=date(2024, 3, 15),
                            site_aware_at=aware,
                            sponsor_reported_at=aware + timedelta(hours=hours))
    assert any(f[1] == "sae_report_overdue" for f in rules_found()) is flagged


@pytest.mark.requirement("CON-REV-07", "CLIN-AE-05")
def test_an_unreported_sae_is_overdue_only_once_the_deadline_passed(infused_patient):
    factories.adverse_event(infused_patient, grade=3, serious=True, onset_date=date(2024, 3, 15),
                            site_aware_at=datetime(2024, 3, 15, 8, tzinfo=UTC))
    assert not any(f[1] == "sae_report_overdue" for f in rules_found(date(2024, 3, 15)))
    assert any(f[1] == "sae_report_overdue" for f in rules_found(date(2024, 3, 16)))


@pytest.mark.requirement("CON-REV-06")
def test_a_pending_dlt_candidate_is_listed_until_adjudicated(infused_patient):
    from tests.dlt import reconcile_candidates

    ae = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14),
                                 resolution_date=date(2024, 3, 16))
    reconcile_candidates(today=date(2024, 4, 30))
    assert ("RD-001", "dlt_candidate_pending", "2024-03-14", None, "D2") in rules_found()
    factories.adjudication(ae)
    assert not any(f[1] == "dlt_candidate_pending" for f in rules_found())


@pytest.mark.requirement("END-TIME-02")
def test_records_after_the_cutoff_are_left_out(infused_patient):
    factories.response(infused_patient, visit="W4", on=date(2024, 4, 20), response="PR")
    assert rules_found(date(2024, 4, 19)) == []
    assert rules_found(date(2024, 4, 20)) != []


@pytest.mark.requirement("CON-MGMT-08", "CON-REV-01")
def test_the_command_prints_the_listing(capsys):
    bundle_import_json(copy.deepcopy(SAMPLE))
    call_command("data_review", "--cutoff", "2025-06-30")
    listing = json.loads(capsys.readouterr().out)
    assert listing["cutoff"] == "2025-06-30"
    assert set(listing["findings"][0]) == {"subject_id", "rule", "date", "recorded", "derived",
                                           "message"}


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 200), ("sponsor", 200), ("monitor", 200), ("investigator", 200),
    (None, 401)])
@pytest.mark.requirement("CON-REV-08")
def test_who_reads_the_listing(role, expected):
    client = APIClient()
    if role:
        client.credentials(HTTP_AUTHORIZATION=f"Token {user_api_token(factories.user(role))}")
    response = client.get("/api/v1/reports/data-review/?cutoff=2025-06-30")
    assert response.status_code == expected
    if expected == 200:
        assert response.json() == {"cutoff": "2025-06-30", "findings": []}
