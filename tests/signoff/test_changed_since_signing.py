"""A signed casebook whose data change afterwards shows "data changed since signing" on the
casebook, the sign-off page and the work list, from the audit trail; the signature is kept and
the investigator signs again."""

import pytest

from core.audit import field_changes, record_save
from signoff.models import CasebookSignature
from signoff.selectors import casebook_signature
from signoff.services import SUPERSEDED_REASON, casebook_sign
from tests import factories
from tests.signoff.acknowledge import acknowledging

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"
# The first signature of a session: the user ID and the password (§11.200(a)(1)).
SIGNATURE = {"user_id": "test-investigator", "password": PASSWORD}
CHANGED = "data changed since signing"


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient, grade=3)


@pytest.fixture
def signed(investigator, infused_patient, adverse_event):
    return casebook_sign(patient=infused_patient, by=investigator, password=PASSWORD)


def correct_grade(adverse_event, coordinator):
    adverse_event.grade = 2
    record_save(adverse_event, by=coordinator, reason="source re-checked: grade 2")


def test_a_signature_with_no_later_change_is_current(client, investigator, signed):
    client.force_login(investigator)
    assert not casebook_signature(signed.patient).data_changed
    assert CHANGED not in client.get("/patients/RD-001/").content.decode()
    assert CHANGED not in client.get("/casebook-signature/").content.decode()


def test_a_change_after_signing_shows_on_the_casebook_sign_off_page_and_work_list(
        client, investigator, coordinator, signed, adverse_event):
    # given
    client.force_login(investigator)
    # when
    correct_grade(adverse_event, coordinator)
    # then
    casebook = client.get("/patients/RD-001/").content.decode()
    signoff = client.get("/casebook-signature/RD-001/").content.decode()
    worklist = client.get("/casebook-signature/").content.decode()
    assert CHANGED in casebook and CHANGED in signoff and CHANGED in worklist
    assert "source re-checked: grade 2" in signoff  # what changed, with its reason
    assert CasebookSignature.objects.get() == signed  # kept, not deleted or voided


def test_a_detail_of_an_adverse_event_counts_as_a_change(coordinator, signed, adverse_event):
    factories.crs_details(adverse_event, max_temp_c=39.0)
    assert casebook_signature(signed.patient).data_changed


def test_another_patients_change_does_not_touch_this_signature(coordinator, signed):
    other = factories.patient("RD-002")
    other.age_at_consent = 30
    record_save(other, by=coordinator, reason="typo")
    assert not casebook_signature(signed.patient).data_changed


def test_the_investigator_signs_again_and_the_old_signature_stays_in_the_trail(
        client, investigator, coordinator, signed, adverse_event):
    # given
    correct_grade(adverse_event, coordinator)
    client.force_login(investigator)
    # when
    response = client.post("/casebook-signature/RD-001/sign/",
                           {**SIGNATURE, **acknowledging(), "next": "/casebook-signature/RD-001/"})
    # then
    assert response["Location"] == "/casebook-signature/RD-001/"
    current = casebook_signature(signed.patient)
    assert current != signed and not current.data_changed
    old = CasebookSignature.all_objects.get(pk=signed.pk)
    assert old.is_voided
    assert field_changes(old)[0]["reason"] == f"voided: {SUPERSEDED_REASON}"


def test_a_current_signature_is_not_signed_twice(client, investigator, signed):
    client.force_login(investigator)
    response = client.post("/casebook-signature/RD-001/sign/", {**SIGNATURE, **acknowledging()},
                           follow=True)
    assert "already signed" in response.content.decode()
    assert CasebookSignature.all_objects.count() == 1


def test_the_work_list_puts_casebooks_to_sign_first(client, investigator, signed):
    factories.patient("RD-002")
    client.force_login(investigator)
    page = client.get("/casebook-signature/").content.decode()
    assert page.index("RD-002") < page.index("RD-001")


@pytest.mark.parametrize("role", ["coordinator", "monitor", "investigator"])
def test_readers_open_the_sign_off_pages_and_sponsors_do_not(client, infused_patient, role):
    client.force_login(factories.user(role))
    assert client.get("/casebook-signature/").status_code == 200
    assert client.get("/casebook-signature/RD-001/").status_code == 200
    client.force_login(factories.user("sponsor"))
    assert client.get("/casebook-signature/").status_code == 403
    assert client.get("/casebook-signature/RD-001/").status_code == 403
