"""The admin's history pages: an old version is read by whoever may read the record, and its
"Revert" is an edit like any other, open only to those who may change the record."""

import pytest
from django.db.models import F
from django.forms.models import model_to_dict
from django.urls import reverse

from core import audit
from core.audit import field_changes, record_save
from dosing.models import DoseLevel
from monitoring import reviews
from safety.models import AdverseEvent
from tests import factories

pytestmark = pytest.mark.django_db


def history_url(record, version=None):
    version = version or record.history.earliest("history_date")
    name = f"admin:{record._meta.app_label}_{record._meta.model_name}_simple_history"
    return reverse(name, args=[record.pk, version.history_id])


def posted(record, **changes) -> dict:
    """What the admin's form for `record` posts: its editable fields and the row version it was
    opened at (the current record's, as the history page's form carries), then `changes`."""
    values = {**model_to_dict(record), "change_reason": "", "void_reason_input": "",
              "row_version": record.row_version, **changes}
    return {name: "" if value is None else value for name, value in values.items()}


@pytest.fixture
def adverse_event(infused_patient):
    ae = factories.adverse_event(infused_patient, grade=2)
    ae.grade = 3
    return record_save(ae, by=factories.user("coordinator"), reason="worse on day 3")


@pytest.fixture
def signed_decision(adverse_event):
    return factories.adjudication(adverse_event, decision="rejected")


def test_a_monitor_reads_an_old_version(client, monitor, adverse_event):
    client.force_login(monitor)
    page = client.get(history_url(adverse_event))
    assert page.status_code == 200
    assert b'value="Revert"' not in page.content


@pytest.mark.parametrize("case", ["grade", "dose level", "void", "signed DLT decision"])
def test_a_monitor_posting_to_a_history_page_is_refused_and_changes_nothing(
        client, monitor, adverse_event, signed_decision, case):
    # given: a hand-built POST of an old version, or of a void, with a reason
    record, changes = {
        "grade": (adverse_event, {"grade": 2}),
        "dose level": (DoseLevel.objects.get(), {"cells_per_kg": 9e6}),
        "void": (adverse_event.patient, {"void_reason_input": "entered in error"}),
        "signed DLT decision": (signed_decision, {"void_reason_input": "not a DLT after all"}),
    }[case]
    before = model_to_dict(type(record)._base_manager.get(pk=record.pk))
    versions = record.history.count()
    client.force_login(monitor)
    # when
    response = client.post(history_url(record), posted(record, change_reason="revert", **changes))
    # then
    assert response.status_code == 403
    assert "history but not change it: nothing was saved" in response.content.decode()
    assert model_to_dict(type(record)._base_manager.get(pk=record.pk)) == before
    assert record.history.count() == versions


def test_nobody_reverts_or_voids_a_signed_dlt_decision_from_the_admin(
        client, admin_user, signed_decision):
    client.force_login(admin_user)
    response = client.post(history_url(signed_decision),
                           posted(signed_decision, decision="confirmed", change_reason="revert",
                                  void_reason_input="overturned"))
    assert response.status_code == 403
    signed_decision.refresh_from_db()
    assert (signed_decision.decision, signed_decision.is_voided) == ("rejected", False)
    assert b'value="Revert"' not in client.get(history_url(signed_decision)).content


def test_an_admin_revert_without_a_reason_is_refused_on_the_page(client, admin_user,
                                                                 adverse_event):
    client.force_login(admin_user)
    response = client.post(history_url(adverse_event), posted(adverse_event, grade=2))
    assert response.status_code == 200
    assert "A reason for change is required" in response.content.decode()
    assert AdverseEvent.objects.get().grade == 3


@pytest.mark.requirement("CON-AUD-01")
def test_an_admin_revert_is_an_audited_edit_of_the_current_record(client, admin_user,
                                                                  adverse_event):
    # given: the first version had grade 2; the record is at grade 3, row version 2
    client.force_login(admin_user)
    # when
    response = client.post(history_url(adverse_event),
                           posted(adverse_event, grade=2, change_reason="grade 3 was a typo"))
    # then
    assert response.status_code == 302
    reverted = AdverseEvent.objects.get()
    assert (reverted.grade, reverted.row_version) == (2, 3)
    latest = field_changes(reverted)[0]
    assert (latest["who"], latest["reason"]) == (admin_user.username, "grade 3 was a typo")
    assert latest["changes"] == [{"field": "grade", "old": 3, "new": 2}]


def test_an_admin_revert_of_a_locked_record_is_refused_naming_the_lock(
        client, admin_user, monitor, adverse_event):
    reviews.casebook_lock(patient=adverse_event.patient, by=monitor, reason="database lock")
    client.force_login(admin_user)
    response = client.post(history_url(adverse_event),
                           posted(adverse_event, grade=2, change_reason="typo"))
    assert response.status_code == 200
    assert "The casebook of RD-001 was locked" in response.content.decode()
    assert AdverseEvent.objects.get().grade == 3


def test_a_post_of_another_records_version_is_not_found(client, admin_user, adverse_event):
    other = factories.adverse_event(adverse_event.patient, term="Fever", grade=1)
    client.force_login(admin_user)
    url = reverse("admin:safety_adverseevent_simple_history",
                  args=[adverse_event.pk, other.history.get().history_id])
    assert client.post(url, posted(adverse_event, grade=2, change_reason="x")).status_code == 404
    assert AdverseEvent.objects.get(pk=adverse_event.pk).grade == 3


@pytest.mark.requirement("CON-ROLE-05")
def test_an_admin_revert_of_a_dose_level_keeps_its_trail(client, admin_user):
    level = factories.dose_level("DL1")
    level.cells_per_kg = 1e7
    record_save(level, by=admin_user, reason="protocol amendment 2")
    client.force_login(admin_user)
    client.post(history_url(level), posted(level, cells_per_kg=5e6,
                                           change_reason="amendment withdrawn"))
    level.refresh_from_db()
    assert level.cells_per_kg == 5e6
    assert [e["reason"] for e in field_changes(level)] == [
        "amendment withdrawn", "protocol amendment 2", "initial entry"]


@pytest.fixture
def someone_else_saves_first():
    """Another writer's edit lands between the admin's read and its write (the race a form
    cannot see): it is run by the audit trail's own write-check hook, just before the write."""
    def save_first(record):
        type(record).all_objects.filter(pk=record.pk).update(row_version=F("row_version") + 1)

    audit.refuse_writes_with(save_first)
    yield
    audit._write_checks.remove(save_first)


def test_a_revert_that_loses_a_race_is_refused_with_the_message_not_a_500(
        client, admin_user, adverse_event, someone_else_saves_first):
    client.force_login(admin_user)
    response = client.post(history_url(adverse_event),
                           posted(adverse_event, grade=2, change_reason="typo"), follow=True)
    assert response.status_code == 200
    assert "was changed by someone else after you opened it" in response.content.decode()
    assert AdverseEvent.objects.get().grade == 3
    assert adverse_event.history.count() == 2


def test_an_old_versions_form_carries_the_current_records_row_version(client, admin_user,
                                                                      adverse_event):
    # given the record at row version 2, its first version at 1
    client.force_login(admin_user)
    # when the first version's page is opened
    page = client.get(history_url(adverse_event)).content.decode()
    # then a revert posted from it is an edit of the record as it stands now
    assert f'name="row_version" value="{adverse_event.row_version}"' in page
    assert adverse_event.row_version == 2
