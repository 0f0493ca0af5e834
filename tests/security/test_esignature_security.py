"""E-signatures (21 CFR Part 11 §11.200, §11.70) cannot be forged by another user, replayed to
make a second signature, or altered after signing by any writer."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from safety.models import DltAdjudication, DltCandidate
from signoff.models import CasebookSignature
from tests import factories
from trial_edc.audit import record_save

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # the factories' password of every user
SIGN = "/casebook-signature/RD-001/sign/"


@pytest.fixture
def alice(db):
    return factories.user("investigator", username="alice", password="alice-own-passphrase-1")


@pytest.fixture
def bob(db):
    return factories.user("investigator", username="bob", password="bob-own-passphrase-22")


@pytest.fixture
def candidate(infused_patient):
    ae = factories.adverse_event(infused_patient, grade=4, onset_date=date(2024, 3, 14))
    return factories.save(DltCandidate(adverse_event=ae, rule="D2", explanation="grade 4 CRS"))


def decide(client, candidate, password, **extra):
    return client.post(f"/dlt-review/{candidate.adverse_event_id}/",
                       {"decision": "confirmed", "rationale": "Grade 4 CRS in the window.",
                        "password": password, **extra})


def test_another_users_password_in_my_session_signs_no_casebook(client, alice, bob,
                                                                 infused_patient):
    # given Bob signed in, who knows Alice's password
    client.force_login(bob)
    # when he signs with it
    response = client.post(SIGN, {"password": "alice-own-passphrase-1"}, follow=True)
    # then nothing is signed, in anyone's name
    assert "The password is not correct" in response.content.decode()
    assert not CasebookSignature.all_objects.exists()


def test_a_refused_signature_is_logged_with_the_account_not_the_password(caplog, client, alice,
                                                                         bob, infused_patient):
    client.force_login(bob)
    client.post(SIGN, {"password": "alice-own-passphrase-1"})
    refused = [r.getMessage() for r in caplog.records if r.name == "trial_edc.esignature"]
    assert refused == ["e-signature refused: wrong password in the session of bob"]
    assert "alice-own-passphrase-1" not in caplog.text


def test_another_users_password_in_my_session_signs_no_dlt_decision(client, alice, bob,
                                                                    candidate):
    client.force_login(bob)
    response = decide(client, candidate, "alice-own-passphrase-1")
    assert "The password is not correct" in response.content.decode()
    assert not DltAdjudication.all_objects.exists()


def test_a_signer_field_in_the_post_does_not_choose_the_signer(client, alice, bob, candidate):
    client.force_login(bob)
    decide(client, candidate, "bob-own-passphrase-22", signed_by=alice.pk,
           signer_printed_name="Alice", signed_at="2020-01-01T00:00Z")
    signed = DltAdjudication.objects.get()
    assert (signed.signed_by, signed.signer_printed_name) == (bob, bob.get_full_name())
    assert signed.signed_at.year != 2020


def test_a_replayed_casebook_signature_post_makes_no_second_signature(client, alice,
                                                                      infused_patient):
    client.force_login(alice)
    posted = {"password": "alice-own-passphrase-1"}
    client.post(SIGN, posted)
    client.post(SIGN, posted)
    assert CasebookSignature.all_objects.count() == 1


def test_a_replayed_dlt_decision_post_makes_no_second_decision(client, alice, candidate):
    client.force_login(alice)
    decide(client, candidate, "alice-own-passphrase-1")
    decide(client, candidate, "alice-own-passphrase-1")
    assert DltAdjudication.all_objects.count() == 1


@pytest.mark.parametrize("field", ["signed_by", "signer_printed_name", "signed_at",
                                   "signature_meaning"])
def test_no_writer_may_change_a_signature(alice, bob, candidate, field):
    signed = factories.adjudication(candidate.adverse_event, by=alice)
    forged = {"signed_by": bob, "signer_printed_name": "Bob",
              "signed_at": datetime(2030, 1, 1, tzinfo=UTC), "signature_meaning": "nothing"}
    setattr(signed, field, forged[field])
    with pytest.raises(ValidationError) as refused:
        record_save(signed, by=bob, reason="correction")
    assert "A signature cannot be changed" in str(refused.value)
    stored = DltAdjudication.objects.get()
    assert (stored.signed_by, stored.signer_printed_name) == (alice, alice.get_full_name())


def test_a_signature_can_still_be_revoked_with_a_reason(client, alice, infused_patient):
    client.force_login(alice)
    client.post(SIGN, {"password": "alice-own-passphrase-1"})
    client.post("/casebook-signature/RD-001/revoke/",
                {"password": "alice-own-passphrase-1", "reason": "late AE entered"})
    assert CasebookSignature.all_objects.get().is_voided


def test_the_admin_shows_a_signed_decision_read_only_and_adds_none(client, admin_user, alice,
                                                                   bob, candidate):
    signed = factories.adjudication(candidate.adverse_event, by=alice)
    client.force_login(admin_user)
    change = f"/admin/safety/dltadjudication/{signed.pk}/change/"
    client.post(change, {"signed_by": bob.pk, "signer_printed_name": "Bob",
                         "decision": "rejected", "change_reason": "correction",
                         "row_version": signed.row_version})
    stored = DltAdjudication.objects.get()
    assert (stored.signed_by, stored.decision) == (alice, "confirmed")
    assert client.get("/admin/safety/dltadjudication/add/").status_code == 403
