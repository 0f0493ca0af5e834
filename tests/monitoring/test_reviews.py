"""Source-data verification and form locks: a locked form cannot be changed until unlocked with
a reason; an edit after verification shows as changed since verification."""

import pytest

from core.audit import field_changes, record_save
from monitoring.models import FormReview
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def adverse_event(infused_patient):
    return factories.adverse_event(infused_patient, grade=3)


def url(action, ae):
    return f"/queries/{action}/RD-001/adverse-event/{ae.pk}/"


def edit(client, ae, grade=2):
    return client.post(f"/patients/RD-001/adverse-event/{ae.pk}/edit/", {
        "term": ae.term, "grade": grade, "onset_date": ae.onset_date.isoformat(),
        "relatedness": ae.relatedness, "row_version": ae.row_version, "reason": "source"})


@pytest.mark.requirement("CON-ROLE-03")
def test_a_locked_form_cannot_be_edited_or_voided(client, monitor, coordinator, adverse_event):
    # given
    client.force_login(monitor)
    client.post(url("lock", adverse_event))
    client.force_login(coordinator)
    # when
    opened = client.get(f"/patients/RD-001/adverse-event/{adverse_event.pk}/edit/", follow=True)
    posted = edit(client, adverse_event)
    voided = client.post(f"/patients/RD-001/adverse-event/{adverse_event.pk}/void/",
                         {"reason": "wrong patient",
                          "row_version": adverse_event.row_version})
    # then
    assert "locked by" in opened.content.decode()
    assert posted.status_code == 409 and voided.status_code == 409  # refused on the form
    adverse_event.refresh_from_db()
    assert adverse_event.grade == 3 and not adverse_event.is_voided


@pytest.mark.requirement("CON-ROLE-03")
def test_unlocking_needs_a_reason_and_opens_the_form_again(client, monitor, coordinator,
                                                           adverse_event):
    client.force_login(monitor)
    client.post(url("lock", adverse_event))
    client.post(url("unlock", adverse_event), {"reason": ""})
    assert FormReview.objects.get().is_locked
    client.post(url("unlock", adverse_event), {"reason": "late lab result to enter"})
    review = FormReview.objects.get()
    assert not review.is_locked
    assert field_changes(review)[0]["reason"] == "unlocked: late lab result to enter"
    client.force_login(coordinator)
    edit(client, adverse_event)
    adverse_event.refresh_from_db()
    assert adverse_event.grade == 2


@pytest.mark.requirement("CON-ROLE-03")
def test_an_edit_after_verification_shows_as_changed(client, monitor, adverse_event):
    # given
    client.force_login(monitor)
    client.post(url("verify", adverse_event))
    page = f"/patients/RD-001/adverse-event/{adverse_event.pk}/"
    assert "<dd>verified" in client.get(page).content.decode()
    # when
    adverse_event.grade = 2
    record_save(adverse_event, by=factories.user("coordinator"), reason="source")
    # then
    assert "changed since verification" in client.get(page).content.decode()


@pytest.mark.parametrize("role", ["coordinator", "investigator", "sponsor"])
@pytest.mark.parametrize("action", ["verify", "lock", "unlock"])
@pytest.mark.requirement("CON-ROLE-03")
def test_only_monitors_verify_and_lock(client, adverse_event, role, action):
    client.force_login(factories.user(role))
    assert client.post(url(action, adverse_event), {"reason": "x"}).status_code == 403
    assert not FormReview.objects.exists()
