"""A monitor locks a whole casebook with a reason: no form of that patient can then be added,
changed or voided in the browser; the lock shows on the casebook and the patient list; unlocking
needs a reason and both steps stay in the lock's audit trail."""

import pytest

from monitoring.models import CasebookLock
from safety.models import AdverseEvent, CrsDetails
from tests import factories

pytestmark = pytest.mark.django_db
CASEBOOK = "/patients/RD-001/"


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient, grade=3)


def lock(client, reason="all queries closed, ready for database lock"):
    return client.post("/queries/casebook/RD-001/lock/", {"reason": reason})


def unlock(client, reason="late lab result to enter"):
    return client.post("/queries/casebook/RD-001/unlock/", {"reason": reason})


def test_a_monitor_locks_a_casebook_and_it_shows_on_the_casebook_and_the_list(
        client, monitor, infused_patient):
    # given
    client.force_login(monitor)
    # when
    response = lock(client)
    # then
    assert response.status_code == 302 and response["Location"].endswith("#casebook-lock")
    assert CasebookLock.objects.get(patient=infused_patient).is_locked
    casebook = client.get(CASEBOOK).content.decode()
    assert "<strong>Locked</strong> by Test Monitor" in casebook
    assert "casebook locked: all queries closed, ready for database lock" in casebook
    listing = client.get("/patients/").content.decode()
    assert '<span class="badge locked">locked</span>' in listing


@pytest.mark.requirement("CON-ROLE-03")
def test_locking_and_unlocking_a_casebook_need_a_reason(client, monitor, infused_patient):
    client.force_login(monitor)
    lock(client, reason=" ")
    assert not CasebookLock.objects.exists()
    lock(client)
    unlock(client, reason="")
    assert CasebookLock.objects.get().is_locked
    unlock(client)
    assert not CasebookLock.objects.get().is_locked
    trail = client.get(CASEBOOK).content.decode()
    assert "casebook unlocked: late lab result to enter" in trail


def test_nothing_of_a_locked_casebook_can_be_changed_in_the_browser(
        client, monitor, coordinator, adverse_event):
    # given
    client.force_login(monitor)
    lock(client)
    client.force_login(coordinator)
    record = f"/patients/RD-001/adverse-event/{adverse_event.pk}/"
    # when
    opened = client.get(record + "edit/", follow=True)
    posted = client.post(record + "edit/", {
        "term": adverse_event.term, "grade": 2, "onset_date": adverse_event.onset_date,
        "relatedness": adverse_event.relatedness, "row_version": adverse_event.row_version,
        "reason": "source"})
    voided = client.post(record + "void/", {"reason": "entered twice",
                                             "row_version": adverse_event.row_version})
    added = client.post(f"/patients/RD-001/adverse-event/{adverse_event.pk}/crs/new/",
                        {"max_temp_c": 39.0, "hypotension": "none", "oxygen": "none"})
    # then
    assert "The casebook of RD-001 was locked by Test Monitor" in opened.content.decode()
    # (a save that reaches the server anyway is refused on its own form, what was typed kept)
    assert {posted.status_code, voided.status_code, added.status_code} == {409}
    for response in (posted, voided, added):
        assert "The casebook of RD-001 was locked by Test Monitor" in response.content.decode()
    assert 'value="39.0"' in added.content.decode() and "entered twice" in voided.content.decode()
    assert AdverseEvent.objects.get(pk=adverse_event.pk).grade == 3
    assert not CrsDetails.objects.exists()
    casebook = client.get(CASEBOOK).content.decode()
    assert "Add adverse event" not in casebook and "Edit patient" not in casebook
    assert "Edit</a>" not in client.get(record).content.decode()


def test_unlocking_opens_the_casebook_for_changes_again(client, monitor, coordinator,
                                                        adverse_event):
    client.force_login(monitor)
    lock(client)
    unlock(client)
    client.force_login(coordinator)
    assert "Add adverse event" in client.get(CASEBOOK).content.decode()
    assert client.get(f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/").status_code \
        == 200


@pytest.mark.parametrize("role", ["coordinator", "investigator", "sponsor"])
@pytest.mark.parametrize("action", ["lock", "unlock"])
@pytest.mark.requirement("CON-ROLE-03")
def test_only_monitors_lock_and_unlock_casebooks(client, infused_patient, role, action):
    client.force_login(factories.user(role))
    response = client.post(f"/queries/casebook/RD-001/{action}/", {"reason": "x"})
    assert response.status_code == 403
    assert not CasebookLock.objects.exists()
