"""An investigator signs a patient's casebook with their password; the signature shows the
printed name, the date and time and its meaning; revoking needs the password and a reason."""

import pytest

from core.audit import field_changes
from signoff.models import CASEBOOK_SIGNATURE_MEANING, CasebookSignature
from tests import factories
from tests.signoff.acknowledge import acknowledging

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"
# The first signature of a session: the user ID and the password (§11.200(a)(1)).
SIGNATURE = {"user_id": "test-investigator", "password": PASSWORD}
SIGN, REVOKE = "/casebook-signature/RD-001/sign/", "/casebook-signature/RD-001/revoke/"


@pytest.mark.requirement("CON-ROLE-02")
def test_an_investigator_signs_the_casebook_with_the_password(client, investigator,
                                                              infused_patient):
    client.force_login(investigator)
    client.post(SIGN, {**SIGNATURE, **acknowledging()})
    page = client.get("/patients/RD-001/").content.decode()
    signature = CasebookSignature.objects.get()
    assert (signature.signed_by, signature.signer_printed_name) == (investigator,
                                                                    "Test Investigator")
    assert "Signed by <strong>Test Investigator</strong>" in page
    assert CASEBOOK_SIGNATURE_MEANING in page


@pytest.mark.requirement("CON-ROLE-02")
def test_a_wrong_password_signs_nothing(client, investigator, infused_patient):
    client.force_login(investigator)
    response = client.post(SIGN, {**SIGNATURE, "password": "guess"}, follow=True)
    assert "The password is not correct" in response.content.decode()
    assert not CasebookSignature.objects.exists()


def test_revoking_needs_a_reason_and_keeps_the_signature_in_the_trail(client, investigator,
                                                                     infused_patient):
    client.force_login(investigator)
    client.post(SIGN, {**SIGNATURE, **acknowledging()})
    client.post(REVOKE, {**SIGNATURE, "reason": ""})
    assert CasebookSignature.objects.exists()
    client.post(REVOKE, {**SIGNATURE, "reason": "late AE entered"})
    revoked = CasebookSignature.all_objects.get()
    assert revoked.is_voided
    assert field_changes(revoked)[0]["reason"] == "voided: signature revoked: late AE entered"


@pytest.mark.parametrize("role", ["coordinator", "monitor", "sponsor"])
@pytest.mark.requirement("CON-ROLE-02")
def test_only_investigators_sign(client, infused_patient, role):
    client.force_login(factories.user(role))
    assert client.post(SIGN, SIGNATURE).status_code == 403
    assert not CasebookSignature.objects.exists()


def test_a_casebook_signature_covers_every_crf_and_the_dlt_decisions():
    from casebook.crfs import CRFS
    from safety.models import DltAdjudication
    from signoff.selectors import SIGNED_MODELS

    assert set(SIGNED_MODELS) == {crf.model for crf in CRFS.values()} | {DltAdjudication}
