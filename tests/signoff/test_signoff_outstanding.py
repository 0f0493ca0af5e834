"""The sign-off page shows what is signed: every form's content and every outstanding item
(pending DLT decisions, open queries, unverified and unlocked forms, missing forms). Signing
with any needs the signer's acknowledgement of that very list, which is kept with the
signature; without it, or if the list changed meanwhile, nothing is signed."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casebook.signoff_content import (
    MISSING,
    NOT_LOCKED,
    NOT_VERIFIED,
    OPEN_QUERY,
    PENDING_DLT,
    outstanding_items,
)
from core.audit import field_changes
from monitoring import reviews, services
from signoff.models import CasebookSignature
from signoff.services import outstanding_digest
from tests import factories
from tests.dlt import reconcile_candidates
from tests.signoff.acknowledge import acknowledging

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"
SIGNATURE = {"user_id": "test-investigator", "password": PASSWORD}
PAGE, SIGN = "/casebook-signature/RD-001/", "/casebook-signature/RD-001/sign/"


def kinds(patient) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in outstanding_items(patient, today=timezone.localdate()):
        found.setdefault(item.kind, []).append(item.label)
    return found


def monitored_clean(patient, monitor):
    """Every form of the patient verified, and the casebook locked."""
    from casebook.signoff_content import casebook_records

    for _, record in casebook_records(patient):
        reviews.form_verify(record=record, patient=patient, by=monitor)
    reviews.casebook_lock(patient=patient, by=monitor, reason="ready for sign-off")


def test_the_page_lists_every_kind_of_outstanding_item(client, investigator, monitor,
                                                       infused_patient):
    # given: a grade 4 CRS on day 2 (a D2 DLT candidate), an open query, forms unverified
    # and unlocked, no eligibility form, and the W4/W8 windows long closed
    event = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14))
    factories.crs_details(event, max_temp_c=39.5, hypotension="multiple_vasopressors")
    reconcile_candidates()  # what the recompute after the save does
    services.query_raise(record=event, patient=infused_patient, field_name="grade",
                         question="Grade 4 confirmed in the source?", by=monitor)
    # when
    client.force_login(investigator)
    page = client.get(PAGE).content.decode()
    found = kinds(infused_patient)
    # then
    assert set(found) >= {PENDING_DLT, OPEN_QUERY, MISSING, NOT_VERIFIED, NOT_LOCKED}
    assert any(label.startswith("Adverse event Cytokine release syndrome (grade 4)")
               for label in found[PENDING_DLT])
    assert "Eligibility (patient enrolled)" in found[MISSING]
    assert any(label.startswith("W4 response assessment: missed") for label in found[MISSING])
    assert any(label.startswith("Infusion 1, ") for label in found[NOT_VERIFIED])
    assert "Grade 4 confirmed in the source?" in page and "#field-grade" in page
    assert 'name="acknowledge_outstanding"' in page
    # and the casebook's content
    assert "What is signed: the casebook" in page
    assert "Infusions (1)" in page and "Adverse events (1)" in page


def test_signing_with_outstanding_items_without_acknowledging_them_is_refused(
        client, investigator, infused_patient):
    client.force_login(investigator)
    response = client.post(SIGN, {**SIGNATURE, "next": PAGE}, follow=True)
    page = response.content.decode()
    assert "Not signed: This casebook has" in page and "outstanding items" in page
    assert not CasebookSignature.objects.exists()


def test_signing_with_an_acknowledgement_keeps_the_list_with_the_signature(
        client, investigator, infused_patient):
    # given
    client.force_login(investigator)
    listed = [i.text for i in outstanding_items(infused_patient, today=timezone.localdate())]
    # when
    client.post(SIGN, {**SIGNATURE, **acknowledging(), "next": PAGE})
    # then
    signature = CasebookSignature.objects.get()
    assert signature.outstanding_at_signing == listed and listed
    assert field_changes(signature)[0]["reason"] == (
        f"casebook signed with {len(listed)} outstanding items acknowledged")
    page = client.get(PAGE).content.decode()
    assert f"Signed with {len(listed)} outstanding items, acknowledged" in page
    assert listed[0] in page.replace("&#x27;", "'")


def test_an_acknowledgement_of_a_list_that_changed_since_signs_nothing(
        client, investigator, monitor, infused_patient):
    # given: the page was opened, then a monitor raised a query
    client.force_login(investigator)
    seen = acknowledging()
    services.query_raise(record=infused_patient, patient=infused_patient, field_name="",
                         question="Consent version?", by=monitor)
    # when
    response = client.post(SIGN, {**SIGNATURE, **seen, "next": PAGE}, follow=True)
    # then
    assert "The outstanding items changed since the sign-off page was opened" in \
        response.content.decode()
    assert not CasebookSignature.objects.exists()


def test_a_casebook_with_nothing_outstanding_signs_without_acknowledgement(
        client, investigator, monitor, infused_patient):
    # given: eligible, verified, locked; infused today, so that no visit is owed yet
    infused_patient.infusions.update(date=timezone.localdate())
    infused_patient.lymphodepletions.update(start_date=timezone.localdate() - timedelta(days=8))
    factories.eligibility(infused_patient)
    monitored_clean(infused_patient, monitor)
    assert kinds(infused_patient) == {}
    client.force_login(investigator)
    assert "Nothing outstanding" in client.get(PAGE).content.decode()
    # when
    client.post(SIGN, SIGNATURE)
    # then
    assert CasebookSignature.objects.get().outstanding_at_signing == []


def test_the_wrong_password_is_refused_before_the_acknowledgement_is_looked_at(
        client, investigator, infused_patient):
    client.force_login(investigator)
    response = client.post(SIGN, {**SIGNATURE, "password": "guess"}, follow=True)
    assert "The password is not correct" in response.content.decode()


def test_the_digest_is_of_the_list_in_order():
    assert outstanding_digest(["a", "b"]) != outstanding_digest(["b", "a"])
    assert outstanding_digest([]) == outstanding_digest([])


def test_the_sign_off_page_takes_the_same_queries_for_a_small_and_a_larger_casebook(
        client, investigator, monitor, infused_patient):
    client.force_login(investigator)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    def grow(day):  # one PK sample per scheduled day: the same sample twice is refused
        event = factories.adverse_event(infused_patient, grade=2)
        factories.crs_details(event)
        services.query_raise(record=event, patient=infused_patient, field_name="grade",
                             question="?", by=monitor)
        factories.pk_sample(infused_patient, day=day)

    grow(1)
    small = count()
    for day in (4, 7, 10, 14, 21):
        grow(day)
    assert count() == small
