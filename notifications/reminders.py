"""Reminders, from the hourly beat task: the SAE clock and overdue visits. Each is sent once per
event and stage (the outbox's event key), so an hourly run repeats nobody's e-mail.

- SAE clock: a serious adverse event not recorded as reported to the sponsor, when its deadline
  (the study's `sae_report_hours` after site awareness) is within SAE_DUE_SOON_HOURS ("due
  soon") and again once it has passed ("overdue"): the investigators and the safety contact.
  Deadlines older than LOOKBACK_DAYS are left alone (an imported legacy SAE is not news).
- Overdue visits: a response visit whose window closed without an assessment (late or missed,
  as `patients.schedule` says), within LOOKBACK_DAYS of its window's end: the coordinators.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Subquery

from core.models import Study
from core.roles import COORDINATOR, INVESTIGATOR
from dosing.models import Infusion
from efficacy.models import Death, ResponseAssessment
from notifications import content
from notifications.models import Kind, Notification
from notifications.outbox import Event, notify_all, safety_contact, users_with_role
from patients.models import Patient
from patients.schedule import RESPONSE_VISITS, UNWINDOWED_VISITS, visit_statuses
from safety.models import AdverseEvent

SAE_DUE_SOON_HOURS = 6
LOOKBACK_DAYS = 30
OVERDUE = ("late", "missed")


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
    """Patients whose first infusion could still have a response window closing within the
    look-back: one query."""
    first = Infusion.objects.filter(patient=OuterRef("pk")).order_by("number", "date")
    last_window_end = max(window.high_day for window in RESPONSE_VISITS)
    return list(Patient.objects.annotate(
        first_infusion_date=Subquery(first.values("date")[:1]),
        death_date=Subquery(Death.objects.filter(patient=OuterRef("pk")).values("date")[:1]),
    ).filter(first_infusion_date__gte=today - timedelta(days=last_window_end + LOOKBACK_DAYS))
        .values_list("pk", "subject_id", "first_infusion_date", "death_date", "off_study_date"))


def overdue_visit_reminders(today: date) -> int:
    patients = _infused_patients(today)
    done = defaultdict(lambda: defaultdict(list))
    for patient_id, visit, on in ResponseAssessment.objects.filter(
            patient_id__in=[p[0] for p in patients]).values_list("patient_id", "visit", "date"):
        if visit not in UNWINDOWED_VISITS:
            done[patient_id][visit].append(on)
    due = []
    for pk, subject_id, day0, death, off_study in patients:
        end = min([d for d in (death, off_study) if d], default=None)
        for status in visit_statuses(day0, today, done[pk], end):
            if status.status in OVERDUE and status.due_to >= today - timedelta(
                    days=LOOKBACK_DAYS):
                due.append((f"visit:{pk}:{status.visit}", pk, subject_id, status))
    told = _already_told(Kind.VISIT_OVERDUE, [key for key, *_ in due])
    due = [entry for entry in due if entry[0] not in told]
    if not due:
        return 0
    coordinators = users_with_role(COORDINATOR)
    protocol = Study.load().protocol_id
    notify_all([Event(Kind.VISIT_OVERDUE, key, coordinators, subject_id,
                      Patient._meta.label_lower, pk,
                      content.visit_overdue(protocol=protocol, subject_id=subject_id,
                                            visit=status.visit, due_to=status.due_to))
                for key, pk, subject_id, status in due])
    return len(due)
