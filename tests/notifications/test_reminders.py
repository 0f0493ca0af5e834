"""Reminders (the hourly beat task): the SAE clock before and after its deadline, and overdue
visits (response visits, RCL tests, long-term follow-up visits), each told once; and the admin's
read-only list of who was told what, when."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.audit import record_save, record_void
from notifications.models import Kind, Notification
from notifications.reminders import overdue_visit_reminders, sae_clock_reminders
from notifications.tasks import reminders_task
from tests import factories
from tests.notifications.conftest import SAFETY_CONTACT

pytestmark = pytest.mark.django_db


@pytest.fixture
def recent_patient(db):
    """Consented 80 days ago, infused 60 days ago: W4's window (days 21–35) has closed."""
    today = timezone.localdate()
    patient = factories.patient("RD-042", consent_date=today - timedelta(days=80),
                                enrollment_date=today - timedelta(days=77))
    factories.lymphodepletion(patient, start=today - timedelta(days=65))
    factories.infusion(patient, on=today - timedelta(days=60))
    return patient


def unreported_sae(patient, aware):
    return factories.adverse_event(patient, grade=3, serious=True, site_aware_at=aware,
                                   onset_date=timezone.localtime(aware).date())


def test_the_sae_clock_reminds_before_the_deadline_and_once_it_has_passed(
        staff, recent_patient, mailoutbox):
    now = timezone.now()
    adverse_event = unreported_sae(recent_patient, now - timedelta(hours=20))
    # at entry (no commit in this test: the rows are what counts)
    assert Notification.objects.filter(kind=Kind.SAE).count() == 2

    assert sae_clock_reminders(now - timedelta(hours=4)) == 0  # 8 h left: not yet
    assert sae_clock_reminders(now) == 1  # 4 h left: due soon
    assert sae_clock_reminders(now + timedelta(hours=1)) == 0  # told already
    assert sae_clock_reminders(now + timedelta(hours=5)) == 1  # past the deadline
    assert sae_clock_reminders(now + timedelta(hours=6)) == 0

    reminders = sorted(Notification.objects.filter(kind=Kind.SAE_CLOCK),
                       key=lambda r: (r.event_key, r.recipient_key))
    assert [(r.event_key, r.recipient_key) for r in reminders] == [
        (f"sae-clock:{adverse_event.pk}:due-soon", f"address:{SAFETY_CONTACT}"),
        (f"sae-clock:{adverse_event.pk}:due-soon", f"user:{staff['investigator'].pk}"),
        (f"sae-clock:{adverse_event.pk}:overdue", f"address:{SAFETY_CONTACT}"),
        (f"sae-clock:{adverse_event.pk}:overdue", f"user:{staff['investigator'].pk}")]
    assert "deadline passed" in reminders[2].subject and "RD-042" in reminders[2].subject


def test_a_reported_sae_has_no_clock(staff, recent_patient):
    now = timezone.now()
    adverse_event = unreported_sae(recent_patient, now - timedelta(hours=30))
    adverse_event.sponsor_reported_at = now - timedelta(hours=10)
    record_save(adverse_event, by=staff["investigator"], reason="reported")
    assert sae_clock_reminders(now) == 0


def test_an_overdue_visit_is_told_to_the_coordinators_once(staff, recent_patient, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_task() == {"sae_clock": 0, "visits_overdue": 1}
        assert reminders_task() == {"sae_clock": 0, "visits_overdue": 0}
    [message] = mailoutbox
    assert message.to == ["crc@site.example"]
    assert message.subject == "[RD13-02-PH1] Visit W4 of subject RD-042 is overdue"
    due_to = timezone.localdate() - timedelta(days=60 - 35)
    assert f"window closed on {due_to:%Y-%m-%d}" in message.body


def test_a_visit_done_or_long_past_is_not_told(staff, recent_patient, infused_patient):
    # RD-042's W4 done; RD-001 (infused in 2024) is long past the look-back
    factories.response(recent_patient, "W4", on=timezone.localdate() - timedelta(days=32))
    assert overdue_visit_reminders(timezone.localdate()) == 0


def infused_days_ago(subject_id: str, days: int):
    today = timezone.localdate()
    patient = factories.patient(subject_id, consent_date=today - timedelta(days=days + 20),
                                enrollment_date=today - timedelta(days=days + 17))
    factories.lymphodepletion(patient, start=today - timedelta(days=days + 5))
    factories.infusion(patient, on=today - timedelta(days=days))
    return patient


def test_an_overdue_rcl_test_is_told_to_the_coordinators_once(staff, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    # given: infused 110 days ago, the M3 RCL window (days 77-105) closed 5 days ago; the W12
    # visit (window closed 19 days ago) was done
    patient = infused_days_ago("RD-042", 110)
    factories.response(patient, "W12", on=timezone.localdate() - timedelta(days=26))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_task() == {"sae_clock": 0, "visits_overdue": 1}
        assert reminders_task() == {"sae_clock": 0, "visits_overdue": 0}
    # then
    [message] = mailoutbox
    assert message.to == ["crc@site.example"]
    assert message.subject == "[RD13-02-PH1] RCL test M3 of subject RD-042 is overdue"
    due_to = timezone.localdate() - timedelta(days=110 - 105)
    assert f"window closed on {due_to:%Y-%m-%d}" in message.body
    assert Notification.objects.get().event_key == f"rcl:{patient.pk}:M3"


def test_an_rcl_test_sampled_is_not_told_and_a_voided_one_does_not_count(staff):
    patient = infused_days_ago("RD-042", 110)
    factories.response(patient, "W12", on=timezone.localdate() - timedelta(days=26))
    sample = factories.rcl_test(patient, "M3", on=timezone.localdate() - timedelta(days=20))
    assert overdue_visit_reminders(timezone.localdate()) == 0
    record_void(sample, by=staff["coordinator"], reason="sample of another patient")
    assert overdue_visit_reminders(timezone.localdate()) == 1


def test_an_overdue_long_term_follow_up_visit_is_told(staff, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    # given: infused 800 days ago, the Y2 follow-up window (days 670-790) closed 10 days ago;
    # the Y2 RCL window (days 700-760) closed 40 days ago, beyond the look-back
    patient = infused_days_ago("RD-043", 800)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_task() == {"sae_clock": 0, "visits_overdue": 1}
    # then
    [message] = mailoutbox
    assert message.subject == ("[RD13-02-PH1] Long-term follow-up visit Y2 of subject RD-043 "
                               "is overdue")
    assert Notification.objects.get().event_key == f"ltfu:{patient.pk}:Y2"


def test_a_long_term_follow_up_visit_done_is_not_told(staff):
    patient = infused_days_ago("RD-043", 800)
    factories.ltfu_visit(patient, "Y2", on=timezone.localdate() - timedelta(days=70))
    assert overdue_visit_reminders(timezone.localdate()) == 0


def test_the_admin_reads_who_was_told_what_and_changes_nothing(client, staff, recent_patient,
                                                               admin_user):
    unreported_sae(recent_patient, timezone.now())
    row = Notification.objects.first()
    client.force_login(admin_user)
    listing = client.get("/admin/notifications/notification/")
    assert listing.status_code == 200 and "RD-042" in listing.content.decode()
    assert client.get(f"/admin/notifications/notification/{row.pk}/change/").status_code == 200
    assert client.post(f"/admin/notifications/notification/{row.pk}/delete/").status_code == 403
    assert Notification.objects.filter(pk=row.pk).exists()


def test_each_user_reads_their_own_notifications_and_no_one_elses(client, staff, recent_patient):
    unreported_sae(recent_patient, timezone.now())
    client.force_login(staff["investigator"])
    page = client.get("/notifications/").content.decode()
    assert "SAE entered for subject RD-042" in page
    client.force_login(staff["coordinator"])
    page = client.get("/notifications/").content.decode()
    assert "RD-042" not in page and "None." in page


def test_the_own_notifications_page_takes_the_same_queries_however_many(
        client, staff, recent_patient):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff["investigator"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notifications/").status_code == 200
        return len(captured)

    unreported_sae(recent_patient, timezone.now())
    one = queries()
    for _ in range(5):
        unreported_sae(recent_patient, timezone.now())
    assert queries() == one
