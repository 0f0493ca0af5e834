"""The investigator's DLT review: queue, evidence, and a decision signed with a password
(21 CFR Part 11 §11.50: printed name, date and time, meaning), revoked only with a reason."""

from datetime import date

import pytest

from safety.models import DltAdjudication, DltCandidate
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"


@pytest.fixture
def candidate(infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14))
    factories.crs_details(ae, max_temp_c=39.5, hypotension="multiple_vasopressors")
    return factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS"))


def review_url(candidate):
    return f"/dlt-review/{candidate.adverse_event_id}/"


def sign(client, candidate, password=PASSWORD, decision="confirmed"):
    return client.post(review_url(candidate), {
        "decision": decision, "user_id": "test-investigator", "password": password,
        "rationale": "Grade 4 CRS within the window."})


def test_the_queue_lists_undecided_candidates_with_the_study_day(client, investigator,
                                                                 candidate):
    client.force_login(investigator)
    page = client.get("/dlt-review/").content.decode()
    assert "RD-001" in page and "(day 2)" in page and "awaiting decision" in page


@pytest.mark.requirement("CON-ROLE-02")
def test_the_review_page_shows_the_evidence_and_the_signature_meaning(client, investigator,
                                                                      candidate):
    client.force_login(investigator)
    page = client.get(review_url(candidate)).content.decode()
    assert "D2: grade 4 CRS" in page
    assert "Derived ASTCT CRS grade</dt><dd>4" in page
    assert "You are signing as <strong>Test Investigator</strong>" in page


@pytest.mark.requirement("END-DLT-02", "CLIN-DLT-04", "CON-ROLE-02")
def test_a_decision_signed_with_the_password_is_recorded_with_its_signature(
        client, investigator, candidate):
    # when
    client.force_login(investigator)
    sign(client, candidate)
    page = client.get(review_url(candidate)).content.decode()
    # then
    signed = DltAdjudication.objects.get()
    assert (signed.decision, signed.signed_by, signed.signer_printed_name) == (
        "confirmed", investigator, "Test Investigator")
    assert "Signed by <strong>Test Investigator</strong>" in page
    assert signed.signature_meaning in page


@pytest.mark.requirement("END-DLT-02")
def test_a_wrong_password_signs_nothing(client, investigator, candidate):
    client.force_login(investigator)
    response = sign(client, candidate, password="not-my-password")
    assert "The password is not correct" in response.content.decode()
    assert not DltAdjudication.objects.exists()


def test_revoking_needs_the_password_and_a_reason(client, investigator, candidate):
    # given
    client.force_login(investigator)
    sign(client, candidate)
    # when
    without_reason = client.post(review_url(candidate), {"reason": "", "password": PASSWORD})
    revoked = client.post(review_url(candidate), {"reason": "wrong event", "password": PASSWORD})
    # then
    assert without_reason.status_code == 200
    assert revoked.status_code == 302
    voided = DltAdjudication.all_objects.get()
    assert voided.is_voided and voided.void_reason == "signature revoked: wrong event"
    assert "Sign a decision" in client.get(review_url(candidate)).content.decode()


@pytest.mark.parametrize("role", ["coordinator", "monitor"])
def test_readers_see_the_review_but_cannot_sign(client, candidate, role):
    client.force_login(factories.user(role))
    page = client.get(review_url(candidate))
    assert page.status_code == 200 and "Sign a decision" not in page.content.decode()
    assert sign(client, candidate).status_code == 403
    assert not DltAdjudication.objects.exists()


def test_sponsors_get_no_review_pages(client, sponsor, candidate):
    client.force_login(sponsor)
    assert client.get("/dlt-review/").status_code == 403
    assert client.get(review_url(candidate)).status_code == 403


@pytest.mark.requirement("CLIN-DLT-04")
def test_an_investigator_raises_an_event_the_rules_did_not_flag(client, investigator,
                                                               infused_patient):
    # given
    ae = factories.adverse_event(infused_patient, term="Seizure", grade=3)
    client.force_login(investigator)
    # when
    refused = client.post(f"/dlt-review/{ae.pk}/raise/", {"rationale": " "})
    raised = client.post(f"/dlt-review/{ae.pk}/raise/", {"rationale": "Prolonged seizure."})
    # then
    assert refused.status_code == 302 and raised["Location"] == f"/dlt-review/{ae.pk}/"
    candidate = DltCandidate.objects.get(adverse_event=ae)
    assert (candidate.rule, candidate.raised_by) == ("INV", investigator)


@pytest.mark.parametrize("role", ["coordinator", "monitor", "sponsor"])
@pytest.mark.requirement("CLIN-DLT-04")
def test_only_investigators_raise_candidates(client, infused_patient, role):
    ae = factories.adverse_event(infused_patient)
    client.force_login(factories.user(role))
    assert client.post(f"/dlt-review/{ae.pk}/raise/", {"rationale": "x"}).status_code == 403
    assert not DltCandidate.objects.exists()
