"""The read-only listings: who may read them, what a sponsor sees, filters, pages and order."""

from datetime import date

import pytest

from core.audit import record_void
from dosing.models import Infusion
from monitoring.deviations import deviation_assess
from patients.models import Patient
from safety.models import AdverseEvent
from tests import factories

LISTINGS = ("patients", "infusions", "adverse-events", "response-assessments", "disease-events",
            "hsct", "deaths", "pk-samples", "lab-results", "dlt-adjudications", "medical-history",
            "prior-therapies", "disease-at-screening", "bridging-therapies", "vital-signs")

# Keys a sponsor must never receive: free text typed into CRFs, staff names (trial_edc.
# sponsor_share), and what the EDC never keeps.
NEVER_FOR_SPONSORS = {"narrative", "rationale", "signer_printed_name", "site", "donor_type",
                      "off_study_reason", "consent_version", "void_reason", "initials", "name",
                      "date_of_birth", "condition", "regimen", "em_other"}
FREE_TEXT_IN_TRIAL = ("aunt Maria", "wife called", "St Mary", "haploidentical",
                      "per protocol", "Test Investigator", "Dr Okafor", "Leeds General",
                      "Mrs Smith", "neighbour")


def rows(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.json()
    return response.json()["results"]


@pytest.mark.parametrize(("role", "expected"), [
    ("sponsor", 200), ("monitor", 200), ("investigator", 200), ("admin", 200),
    ("coordinator", 403), (None, 401)])
def test_who_may_read_each_listing(trial, as_role, role, expected):
    client = as_role(role)
    for listing in LISTINGS:
        response = client.get(f"/api/v1/{listing}/")
        assert response.status_code == expected, listing
        if expected != 200:
            assert set(response.json()) == {"detail", "problems"}


@pytest.mark.parametrize("listing", LISTINGS)
@pytest.mark.requirement("CON-ROLE-04")
def test_a_sponsor_never_receives_free_text_or_identifying_keys(trial, as_role, listing):
    response = as_role("sponsor").get(f"/api/v1/{listing}/")
    results = response.json()["results"]
    assert results
    for row in results:
        assert not set(row) & NEVER_FOR_SPONSORS, set(row) & NEVER_FOR_SPONSORS
    for text in FREE_TEXT_IN_TRIAL:
        assert text not in response.content.decode()


@pytest.mark.parametrize(("listing", "key", "text"), [
    ("adverse-events", "narrative", "wife called the ward"),
    ("dlt-adjudications", "rationale", "per protocol"),
    ("dlt-adjudications", "signer_printed_name", "Test Investigator"),
    ("disease-events", "site", "St Mary's"),
    ("hsct", "donor_type", "haploidentical"),
    ("patients", "off_study_reason", "aunt Maria"),
])
@pytest.mark.parametrize("role", ["monitor", "investigator"])
def test_roles_that_read_crfs_get_the_free_text(trial, as_role, listing, key, text, role):
    values = [row.get(key) or "" for row in rows(as_role(role), f"/api/v1/{listing}/")]
    assert any(text in value for value in values)


# The listings of the forms issue 16 added, and free text typed into each of their text fields.
CART_LISTINGS = ("concomitant-medications", "infections", "iec-hs", "secondary-malignancies",
                 "rcl-tests", "ltfu-visits", "protocol-deviations", "product-lots")
CART_FREE_TEXT = {
    ("concomitant-medications", "indication"): "CRS, phoned in by nurse Hedda",
    ("concomitant-medications", "drug_specify"): "siltuximab, Dr Okafor's own stock",
    ("infections", "organism"): "E. coli, like her sister Ines",
    ("ltfu-visits", "subsequent_therapy"): "nelarabine at Leeds General",
    ("protocol-deviations", "description"): "dexamethasone given by Mrs Smith at home",
    ("protocol-deviations", "corrective_action"): "Mr Ade retrained the night nurses",
}
CART_NEVER_FOR_SPONSORS = {"indication", "drug_specify", "organism", "subsequent_therapy",
                           "description", "corrective_action", "source", "edit_check",
                           "withdrawn_reason", "assessed_by", "record_id", "hla_typing"}


@pytest.fixture
def cart_trial(trial):
    """The trial with a record of every form issue 16 added: RD-001's treatment of its CRS,
    an infection, IEC-HS, a secondary malignancy, an RCL test and an assessed deviation;
    RD-002's year-2 follow-up; a released lot."""
    one, two = trial["RD-001"], trial["RD-002"]
    text = CART_FREE_TEXT
    crs = AdverseEvent.objects.get(patient=one)
    factories.conmed(one, drug="other", start=crs.onset_date, treated_event=crs,
                     indication=text["concomitant-medications", "indication"],
                     drug_specify=text["concomitant-medications", "drug_specify"])
    sepsis = factories.adverse_event(one, term="Sepsis", grade=3, relatedness="possible",
                                     onset_date=date(2024, 3, 20))
    factories.infection_details(sepsis, organism=text["infections", "organism"])
    factories.iec_hs_details(factories.adverse_event(
        one, term="Immune effector cell-associated HLH-like syndrome", grade=3,
        onset_date=date(2024, 3, 22), relatedness="probable"))
    factories.secondary_malignancy(one, date(2024, 8, 1))
    factories.rcl_test(one, "M3", on=date(2024, 6, 11))
    deviation = factories.deviation(one, description=text["protocol-deviations",
                                                          "description"])
    deviation_assess(deviation, important=False, impact_on_safety=False, impact_on_data=True,
                     corrective_action=text["protocol-deviations", "corrective_action"],
                     by=factories.user("investigator"))
    factories.ltfu_visit(two, "Y2", subsequent_anticancer_therapy=True,
                         subsequent_therapy=text["ltfu-visits", "subsequent_therapy"])
    factories.product_lot("L-0050", released_for=two)
    return trial


@pytest.mark.parametrize(("role", "expected"), [
    ("sponsor", 200), ("monitor", 200), ("investigator", 200), ("admin", 200),
    ("coordinator", 403), (None, 401)])
def test_who_may_read_the_listings_of_the_new_forms(cart_trial, as_role, role, expected):
    client = as_role(role)
    for listing in CART_LISTINGS:
        response = client.get(f"/api/v1/{listing}/")
        assert response.status_code == expected, listing
        if expected == 200:
            assert response.json()["results"], listing


@pytest.mark.parametrize("listing", CART_LISTINGS)
@pytest.mark.requirement("CON-ROLE-04")
def test_a_sponsor_gets_no_free_text_or_staff_of_the_new_forms(cart_trial, as_role, listing):
    response = as_role("sponsor").get(f"/api/v1/{listing}/")
    for row in response.json()["results"]:
        assert not set(row) & CART_NEVER_FOR_SPONSORS, set(row) & CART_NEVER_FOR_SPONSORS
        detail = as_role("sponsor").get(f"/api/v1/{listing}/{row['id']}/").json()
        assert not set(detail) & CART_NEVER_FOR_SPONSORS
    for text in (*CART_FREE_TEXT.values(), "Test Investigator"):
        assert text not in response.content.decode()


@pytest.mark.parametrize(("listing", "key"), list(CART_FREE_TEXT))
@pytest.mark.parametrize("role", ["monitor", "investigator"])
def test_roles_that_read_crfs_get_the_free_text_of_the_new_forms(cart_trial, as_role, listing,
                                                                 key, role):
    values = [row.get(key) or "" for row in rows(as_role(role), f"/api/v1/{listing}/")]
    assert CART_FREE_TEXT[listing, key] in values


def test_the_patient_listing_is_pseudonymous(trial, as_role):
    patients = rows(as_role("sponsor"), "/api/v1/patients/")
    assert patients[0] == {"subject_id": "RD-001", "sex": "M", "age_at_consent": 27,
                           "diagnosis": "T-ALL", "cd7_positive_blasts_pct": 97.5,
                           "screening_marrow_blasts_pct": 60.0, "dose_level": "DL1",
                           "status": "died", "consent_date": "2024-03-01",
                           "enrollment_date": "2024-03-04", "first_infusion_date": "2024-03-12",
                           "off_study_date": "2025-02-01"}
    assert [(p["subject_id"], p["dose_level"]) for p in patients] == [
        ("RD-001", "DL1"), ("RD-002", "DL2"), ("RD-003", None)]
    assert patients[2]["status"] == "enrolled"


def test_a_dlt_adjudication_shows_decision_date_and_signer_role(trial, as_role):
    [row] = rows(as_role("sponsor"), "/api/v1/dlt-adjudications/")
    assert row["decision"] == "confirmed"
    assert row["signed_at"] == "2024-04-01T09:00:00Z"
    assert row["signer_role"] == "investigator"
    assert row["subject_id"] == "RD-001" and row["grade"] == 2


def test_voided_records_and_the_records_of_a_voided_patient_are_not_listed(trial, as_role):
    # given
    admin = factories.user("admin")
    ae = AdverseEvent.objects.get(patient__subject_id="RD-002")
    record_void(ae, by=admin, reason="entered on the wrong patient")
    record_void(Patient.objects.get(subject_id="RD-003"), by=admin, reason="screen failure typo")
    client = as_role("monitor")
    # then
    assert [r["subject_id"] for r in rows(client, "/api/v1/adverse-events/")] == ["RD-001"]
    assert [r["subject_id"] for r in rows(client, "/api/v1/patients/")] == ["RD-001", "RD-002"]
    assert client.get(f"/api/v1/adverse-events/{ae.pk}/").status_code == 404


def test_one_record_by_id_and_one_patient_by_subject_id(trial, as_role):
    client = as_role("sponsor")
    infusion = Infusion.objects.get(patient__subject_id="RD-002")
    assert client.get(f"/api/v1/infusions/{infusion.pk}/").json()["dose_level"] == "DL2"
    assert client.get("/api/v1/patients/RD-002/").json()["age_at_consent"] == 9
    missing = client.get("/api/v1/patients/RD-999/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No Patient matches the given query.", "problems": []}


@pytest.mark.parametrize(("url", "expected"), [
    ("/api/v1/adverse-events/?subject=RD-002", ["Neutrophil count decreased"]),
    ("/api/v1/adverse-events/?dose_level=DL1", ["Cytokine release syndrome"]),
    ("/api/v1/adverse-events/?grade=4", ["Neutrophil count decreased"]),
    ("/api/v1/adverse-events/?grade_min=2", ["Cytokine release syndrome",
                                             "Neutrophil count decreased"]),
    ("/api/v1/adverse-events/?grade_min=3", ["Neutrophil count decreased"]),
    ("/api/v1/adverse-events/?onset_date_after=2024-03-15", ["Neutrophil count decreased"]),
    ("/api/v1/adverse-events/?onset_date_before=2024-03-14", ["Cytokine release syndrome"]),
    ("/api/v1/adverse-events/?onset_date_after=2024-03-15&onset_date_before=2024-03-19", []),
    ("/api/v1/adverse-events/?ordering=-grade", ["Neutrophil count decreased",
                                                 "Cytokine release syndrome"]),
])
def test_adverse_event_filters_and_ordering(trial, as_role, url, expected):
    assert [r["term"] for r in rows(as_role("sponsor"), url)] == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("/api/v1/response-assessments/?visit=W4", ["RD-001", "RD-002"]),
    ("/api/v1/response-assessments/?visit=W8", []),
    ("/api/v1/response-assessments/?response=CRi", ["RD-002"]),
    ("/api/v1/response-assessments/?dose_level=DL2", ["RD-002"]),
    ("/api/v1/infusions/?dose_level=DL1", ["RD-001"]),
    ("/api/v1/patients/?dose_level=DL2", ["RD-002"]),
    ("/api/v1/patients/?sex=F", ["RD-002"]),
    ("/api/v1/patients/?ordering=-subject_id", ["RD-003", "RD-002", "RD-001"]),
    ("/api/v1/pk-samples/?collected_after=2024-03-20", ["RD-001"]),
    ("/api/v1/pk-samples/?collected_before=2024-03-18", []),
    ("/api/v1/deaths/?date_after=2025-01-10&date_before=2025-01-10", ["RD-001"]),
    ("/api/v1/dlt-adjudications/?decision=rejected", []),
    ("/api/v1/hsct/?subject=RD-002", []),
])
def test_filters_of_the_other_listings(trial, as_role, url, expected):
    assert [r["subject_id"] for r in rows(as_role("monitor"), url)] == expected


@pytest.mark.parametrize(("url", "problem"), [
    ("/api/v1/adverse-events/?grade=high", "grade: Enter a number."),
    ("/api/v1/response-assessments/?visit=W5",
     "visit: Select a valid choice. W5 is not one of the available choices."),
    ("/api/v1/pk-samples/?collected_after=19/03/2024", "collected: Enter a date as YYYY-MM-DD."),
    ("/api/v1/patients/?ordering=consent_date&sex=X",
     "sex: Select a valid choice. X is not one of the available choices."),
])
def test_a_bad_filter_is_a_400_naming_the_parameter(trial, as_role, url, problem):
    response = as_role("sponsor").get(url)
    assert response.status_code == 400
    assert response.json() == {"detail": "1 problem(s) in the request.", "problems": [problem]}


def test_pages_are_capped_and_do_not_overlap(trial, as_role, settings):
    # given 12 more patients
    for n in range(4, 16):
        factories.patient(f"RD-{n:03d}")
    settings.API_MAX_PAGE_SIZE = 5
    client = as_role("sponsor")
    # when
    first = client.get("/api/v1/patients/?page_size=50").json()
    second = client.get(first["next"]).json()
    last = client.get("/api/v1/patients/?page_size=5&page=3").json()
    # then
    assert first["count"] == 15 and len(first["results"]) == 5
    assert [p["subject_id"] for p in second["results"]] == [f"RD-{n:03d}" for n in range(6, 11)]
    assert last["next"] is None and len(last["results"]) == 5
    beyond = client.get("/api/v1/patients/?page=4&page_size=5")
    assert beyond.status_code == 404 and beyond.json()["problems"] == []


def test_ties_are_broken_by_id_so_every_row_appears_once(trial, as_role):
    # given many events with the same grade and onset
    patient = trial["RD-002"]
    for _ in range(6):
        factories.adverse_event(patient, term="Fatigue", grade=1, onset_date=date(2024, 3, 20))
    client = as_role("sponsor")
    # when
    ids = []
    for page in (1, 2, 3, 4):
        ids += [r["id"] for r in rows(client, f"/api/v1/adverse-events/?ordering=grade&"
                                              f"page_size=2&page={page}")]
    # then
    assert len(ids) == len(set(ids)) == 8


def test_a_browser_session_reads_the_listings_too(trial, client):
    client.force_login(factories.user("sponsor"))
    assert client.get("/api/v1/deaths/").status_code == 200
