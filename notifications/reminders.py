"""Reminders, from the hourly beat task: the SAE clock and overdue visits. Each is sent once per
event and stage (the outbox's event key), so an hourly run repeats nobody's e-mail.

- SAE clock: a serious adverse event not recorded as reported to the sponsor, when its deadline
  (the study's `sae_report_hours` after site awareness) is within SAE_DUE_SOON_HOURS ("due
  soon") and again once it has passed ("overdue"): the investigators and the safety contact.
  Deadlines older than LOOKBACK_DAYS are left alone (an imported legacy SAE is not news).
- Overdue visits: a scheduled visit whose window closed without its form (late or missed, as
  `patients.schedule` says), within LOOKBACK_DAYS of its window's end: the coordinators. Every
  schedule the status grid shows counts: the response visits W4 … M12, the RCL tests M3 … Y15
  and the long-term follow-up visits Y2 … Y15, each told under its own event key.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Subquery

from core.models import Study
from core.roles import COORDINATOR, INVESTIGATOR
from dosing.models import Infusion
from efficacy.models import Death, ResponseAssessment
from notifications import content
from notifications.models import Kind, Notification
from notifications.outbox import Event, notify_all, safety_contact, users_with_role
from patients.models import LtfuVisit, Patient
from patients.schedule import (
    LTFU_VISITS,
    RCL_TESTS,
    RESPONSE_VISITS,
    UNWINDOWED_VISITS,
    ltfu_statuses,
    rcl_statuses,
    visit_statuses,
)
from safety.models import AdverseEvent, RclTest

SAE_DUE_SOON_HOURS = 6
LOOKBACK_DAYS = 30
OVERDUE = ("late", "missed")


@dataclass(frozen=True)
class Schedule:
    """A visit schedule the reminders follow: the form that marks a visit done, its fields, the
    statuses `patients.schedule` computes, and the words of the reminder."""

    key: str  # the event key's prefix
    model: type
    visit_field: str
    date_field: str
    windows: tuple
    statuses: Callable
    what: str  # what is overdue, in the reminder's words
    record: str  # what marks it done


SCHEDULES = (
    Schedule("visit", ResponseAssessment, "visit", "date", RESPONSE_VISITS, visit_statuses,
             "response visit", "assessment"),
    Schedule("rcl", RclTest, "timepoint", "sample_date", RCL_TESTS, rcl_statuses, "RCL test",
             "sample"),
    Schedule("ltfu", LtfuVisit, "visit", "contact_date", LTFU_VISITS, ltfu_statuses,
             "long-term follow-up visit", "form"),
)


def _already_told(kind: str, keys: list[str]) -> set[str]:
    return set(Notification.objects.filter(kind=kind, event_key__in=keys)
               .values_list("event_key", flat=True).distinct())


def sae_clock_reminders(now: datetime) -> int:
    study = Study.load()
    hours = study.sae_report_hours
    due = []
    for pk, aware, onset, subject_id in (
            AdverseEvent.objects.of_current_parents()
            .filter(serious=True, sponsor_reported_at__isnull=True,
                    onset_date__gte=(now - timedelta(days=LOOKBACK_DAYS + 1)).date())
            .values_list("pk", "site_aware_at", "onset_date", "patient__subject_id")):
        deadline = content.sae_deadline(site_aware_at=aware, onset_date=onset, hours=hours)
        if deadline < now - timedelta(days=LOOKBACK_DAYS):
            continue
        if now >= deadline:
            due.append((f"sae-clock:{pk}:overdue", pk, subject_id, deadline, True))
        elif deadline - now <= timedelta(hours=SAE_DUE_SOON_HOURS):
            due.append((f"sae-clock:{pk}:due-soon", pk, subject_id, deadline, False))
    told = _already_told(Kind.SAE_CLOCK, [key for key, *_ in due])
    due = [entry for entry in due if entry[0] not in told]
    if not due:
        return 0
    recipients = [*users_with_role(INVESTIGATOR), safety_contact()]
    notify_all([Event(Kind.SAE_CLOCK, key, recipients, subject_id,
                      AdverseEvent._meta.label_lower, pk,
                      content.sae_clock(protocol=study.protocol_id, subject_id=subject_id,
                                        deadline=deadline, overdue=overdue))
                for key, pk, subject_id, deadline, overdue in due])
    return len(due)


def _infused_patients(today: date):
    """Patients whose first infusion could still have a window closing within the look-back
    (the last is the Y15 follow-up): one query."""
    first = Infusion.objects.filter(patient=OuterRef("pk")).order_by("number", "date")
    last_window_end = max(w.high_day for schedule in SCHEDULES for w in schedule.windows)
    return list(Patient.objects.annotate(
        first_infusion_date=Subquery(first.values("date")[:1]),
        death_date=Subquery(Death.objects.filter(patient=OuterRef("pk")).values("date")[:1]),
    ).filter(first_infusion_date__gte=today - timedelta(days=last_window_end + LOOKBACK_DAYS))
        .values_list("pk", "subject_id", "first_infusion_date", "death_date", "off_study_date"))


def _done(schedule: Schedule, patient_ids: list[int]) -> dict:
    """{patient id: {visit code: [dates]}} of the schedule's current forms: one query."""
    done = defaultdict(lambda: defaultdict(list))
    for patient_id, visit, on in (schedule.model.objects.of_current_parents()
                                  .filter(patient_id__in=patient_ids)
                                  .values_list("patient_id", schedule.visit_field,
                                               schedule.date_field)):
        if visit not in UNWINDOWED_VISITS:
            done[patient_id][visit].append(on)
    return done


def overdue_visit_reminders(today: date) -> int:
    """Tell the coordinators of each response visit, RCL test and long-term follow-up visit
    that became late or missed within the look-back; returns how many were told."""
    patients = _infused_patients(today)
    due = []
    for schedule in SCHEDULES:
        done = _done(schedule, [p[0] for p in patients])
        for pk, subject_id, day0, death, off_study in patients:
            end = min([d for d in (death, off_study) if d], default=None)
            for status in schedule.statuses(day0, today, done[pk], end):
                if status.status in OVERDUE and status.due_to >= today - timedelta(
                        days=LOOKBACK_DAYS):
                    due.append((f"{schedule.key}:{pk}:{status.visit}", pk, subject_id, status,
                                schedule))
    told = _already_told(Kind.VISIT_OVERDUE, [key for key, *_ in due])
    due = [entry for entry in due if entry[0] not in told]
    if not due:
        return 0
    coordinators = users_with_role(COORDINATOR)
    protocol = Study.load().protocol_id
    notify_all([Event(Kind.VISIT_OVERDUE, key, coordinators, subject_id,
                      Patient._meta.label_lower, pk,
                      content.visit_overdue(protocol=protocol, subject_id=subject_id,
                                            visit=status.visit, due_to=status.due_to,
                                            what=schedule.what, record=schedule.record))
                for key, pk, subject_id, status, schedule in due])
    return len(due)
