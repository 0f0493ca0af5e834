"""E-signatures (21 CFR Part 11 §11.200, §11.300, §11.70) cannot be forged by another user,
guessed, replayed to make a second signature, or altered after signing by any writer."""

from datetime import UTC, date, datetime

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.core.management import call_command

from core.audit import record_save
from safety.models import DltAdjudication, DltCandidate
from signoff.models import CasebookSignature
from tests import factories
from tests.signoff.acknowledge import acknowledging

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # the factories' password of every user
SIGN = "/casebook-signature/RD-001/sign/"
ALICE = "alice-own-passphrase-1"
SIGNED_IN = "_auth_user_id"


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


def decide(client, candidate, password, user_id=None, **extra):
    return client.post(f"/dlt-review/{candidate.adverse_event_id}/",
                       {"decision": "confirmed", "rationale": "Grade 4 CRS in the window.",
                        "password": password, **({"user_id": user_id} if user_id else {}),
                        **extra})


def sign_casebook(client, password, user_id="alice", address="10.0.0.1"):
    data = {"password": password, **({"user_id": user_id} if user_id else {}), **acknowledging()}
    return client.post(SIGN, data, REMOTE_ADDR=address)


def sign_in(client, password, username="alice", address="10.0.0.2"):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_another_users_password_in_my_session_signs_no_casebook(client, alice, bob,
                                                                 infused_patient):
    # given Bob signed in, who knows Alice's password
    client.force_login(bob)
    # when he signs with it
    response = client.post(SIGN, {"user_id": "bob", "password": ALICE}, follow=True)
    # then nothing is signed, in anyone's name
    assert "The password is not correct" in response.content.decode()
    assert not CasebookSignature.all_objects.exists()


def test_a_refused_signature_is_logged_with_the_account_not_the_password(caplog, client, alice,
                                                                         bob, infused_patient):
    client.force_login(bob)
    client.post(SIGN, {"user_id": "bob", "password": ALICE})
    refused = [r.getMessage() for r in caplog.records if r.name == "core.esignature"]
    assert refused == ["e-signature refused: wrong password in the session of bob"]
    assert "alice-own-passphrase-1" not in caplog.text


def test_another_users_password_in_my_session_signs_no_dlt_decision(client, alice, bob,
                                                                    candidate):
    client.force_login(bob)
    response = decide(client, candidate, ALICE, user_id="bob")
    assert "The password is not correct" in response.content.decode()
    assert not DltAdjudication.all_objects.exists()


def test_a_signer_field_in_the_post_does_not_choose_the_signer(client, alice, bob, candidate):
    client.force_login(bob)
    decide(client, candidate, "bob-own-passphrase-22", user_id="bob", signed_by=alice.pk,
           signer_printed_name="Alice", signed_at="2020-01-01T00:00Z")
    signed = DltAdjudication.objects.get()
    assert (signed.signed_by, signed.signer_printed_name) == (bob, bob.get_full_name())
    assert signed.signed_at.year != 2020


def test_a_replayed_casebook_signature_post_makes_no_second_signature(client, alice,
                                                                      infused_patient):
    client.force_login(alice)
    posted = {"user_id": "alice", "password": ALICE, **acknowledging()}
    client.post(SIGN, posted)
    client.post(SIGN, posted)
    assert CasebookSignature.all_objects.count() == 1


def test_a_replayed_dlt_decision_post_makes_no_second_decision(client, alice, candidate):
    client.force_login(alice)
    decide(client, candidate, ALICE, user_id="alice")
    decide(client, candidate, ALICE, user_id="alice")
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
    client.post(SIGN, {"user_id": "alice", "password": ALICE, **acknowledging()})
    client.post("/casebook-signature/RD-001/revoke/", {"password": ALICE,
                                                       "reason": "late AE entered"})
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



# --- §11.200(a)(1): both components first, then the password ---------------------------------


def test_the_first_signature_of_a_session_asks_for_the_user_id_and_the_password(
        client, alice, candidate):
    client.force_login(alice)
    # given the DLT review page of a fresh session: it asks for both
    page = client.get(f"/dlt-review/{candidate.adverse_event_id}/").content.decode()
    assert 'name="user_id"' in page and 'name="password"' in page
    # when the password alone is given, nothing is signed, and the refusal names the field
    refused = decide(client, candidate, ALICE)
    assert "Enter your user ID" in refused.content.decode()
    assert not DltAdjudication.all_objects.exists()
    # then with both it is signed
    assert decide(client, candidate, ALICE, user_id="alice").status_code == 302
    assert DltAdjudication.objects.get().signed_by == alice


def test_later_signatures_of_the_session_need_the_password_only(client, alice, candidate,
                                                               infused_patient):
    client.force_login(alice)
    decide(client, candidate, ALICE, user_id="alice")
    # the sign-off page's form now asks for the password alone, and signs with it
    casebook = client.get("/casebook-signature/RD-001/").content.decode()
    assert 'name="user_id"' not in casebook and 'name="password"' in casebook
    sign_casebook(client, ALICE, user_id=None)
    assert CasebookSignature.objects.get().signed_by == alice


def test_a_new_session_starts_over_with_the_user_id(client, alice, infused_patient):
    client.force_login(alice)
    sign_casebook(client, ALICE)
    client.post("/casebook-signature/RD-001/revoke/", {"password": ALICE, "reason": "typo"})
    # when alice signs out and in again
    client.post("/accounts/logout/")
    assert sign_in(client, ALICE).status_code == 302
    # then the password alone signs nothing
    refused = client.post(SIGN, {"password": ALICE}, follow=True)
    assert "Enter your user ID" in refused.content.decode()
    assert not CasebookSignature.objects.exists()


def test_the_user_id_must_be_the_signed_in_users_own(client, alice, bob, infused_patient):
    # given Bob signed in, who knows Alice's user ID and password
    client.force_login(bob)
    # when he signs as her
    response = client.post(SIGN, {"user_id": "alice", "password": ALICE, **acknowledging()},
                           follow=True)
    # then nothing is signed, and the attempt counts against Bob's account
    assert "This is not your user ID" in response.content.decode()
    assert not CasebookSignature.all_objects.exists()
    assert AccessAttempt.objects.get().username == "bob"


def test_a_missing_component_is_not_counted_as_a_guess(client, alice, infused_patient):
    client.force_login(alice)
    client.post(SIGN, {"password": ALICE})  # no user ID
    client.post(SIGN, {"user_id": "alice", "password": ""})
    assert not AccessAttempt.objects.exists()


# --- §11.300(d): guessing ends at the sign-in failure limit -----------------------------------


def test_wrong_signature_passwords_end_the_session_at_the_sign_in_limit(client, alice,
                                                                        infused_patient,
                                                                        settings):
    # given a limit of three wrong passwords
    settings.AXES_FAILURE_LIMIT = 3
    client.force_login(alice)
    # when a signature is tried with wrong passwords
    answers = [sign_casebook(client, f"guess-{n}") for n in range(3)]
    # then the first two say so, and the third ends the session with a page saying why
    assert [a.status_code for a in answers] == [302, 302, 429]
    locked = answers[-1].content.decode()
    assert "Signing locked: you are signed out" in locked and "after 3 failed attempts" in locked
    assert SIGNED_IN not in client.session
    assert not CasebookSignature.all_objects.exists()
    # and the right password no longer signs in from that computer
    assert sign_in(client, ALICE, address="10.0.0.1").status_code == 429


def test_wrong_passwords_count_per_user_from_every_address(client, alice, infused_patient,
                                                           settings):
    # given two wrong sign-in passwords for alice at another computer (below the limit of 3)
    settings.AXES_FAILURE_LIMIT = 3
    assert [sign_in(client, "guess", address="10.0.0.9").status_code
            for _ in range(2)] == [200, 200]
    client.force_login(alice)
    # when she mistypes her signature password once in her open session
    answer = sign_casebook(client, "mistyped")
    # then that is her third: the session ends
    assert answer.status_code == 429
    assert SIGNED_IN not in client.session


def test_a_user_locked_out_at_sign_in_elsewhere_cannot_sign_in_an_open_session(
        client, alice, infused_patient, settings):
    # given alice's open session, and her account locked at sign-in from another computer
    settings.AXES_FAILURE_LIMIT = 3
    client.force_login(alice)
    other = type(client)()
    assert [sign_in(other, "guess", address="10.0.0.9").status_code
            for _ in range(3)] == [200, 200, 429]
    # when she signs with the right user ID and password
    answer = sign_casebook(client, ALICE)
    # then nothing is signed and her session ends, saying why
    assert answer.status_code == 429
    assert "Signing locked" in answer.content.decode()
    assert not CasebookSignature.all_objects.exists()
    assert SIGNED_IN not in client.session


def test_a_locked_out_user_signs_again_once_an_admin_resets_the_lockout(client, alice,
                                                                        infused_patient,
                                                                        settings):
    settings.AXES_FAILURE_LIMIT = 2
    client.force_login(alice)
    [sign_casebook(client, "guess") for _ in range(2)]
    call_command("axes_reset_username", "alice")
    assert sign_in(client, ALICE, address="10.0.0.1").status_code == 302
    assert sign_casebook(client, ALICE).status_code == 302
    assert CasebookSignature.objects.get().signed_by == alice
