"""The events that tell people at once, each written into the outbox inside the transaction of
the save that raised it (notifications.outbox):

- an SAE entered (an adverse event saved as serious, new or changed to serious): the
  investigators and the sponsor's safety contact, with the reporting deadline, once per event;
- a data query raised or re-opened: the coordinators; answered: the monitor who raised it;
- a DLT candidate raised by the rules: the investigators, once per candidate
  (`notify_dlt_candidates`, called by the recompute that raises them and by the sweep).
"""

from django.db.models import Exists, OuterRef

from core.models import Study
from core.roles import COORDINATOR, INVESTIGATOR
from monitoring.models import DataQuery, QueryStatus
from notifications import content
from notifications.models import Kind, Notification
from notifications.outbox import (
    Event,
    notify,
    notify_all,
    safety_contact,
    user_recipient,
    users_with_role,
)
from safety.models import AdverseEvent, DltAdjudication, DltCandidate


def record_saved(record, created: bool) -> None:
    """The kernel's `on_record_saved` listener: inside the transaction of each record_save."""
    if isinstance(record, AdverseEvent):
        if record.serious and not record.is_voided:
            notify_sae(record)
    elif isinstance(record, DataQuery):
        notify_query_step(record, created)


def _label(model) -> str:
    return model._meta.label_lower


def notify_sae(adverse_event: AdverseEvent) -> None:
    event_key = f"sae:{adverse_event.pk}"
    if Notification.objects.filter(event_key=event_key).exists():
        return  # told when it was entered (or first marked serious)
    study = Study.load()
    deadline = content.sae_deadline(site_aware_at=adverse_event.site_aware_at,
                                    onset_date=adverse_event.onset_date,
                                    hours=study.sae_report_hours)
    subject_id = adverse_event.patient.subject_id
    notify(Event(Kind.SAE, event_key, [*users_with_role(INVESTIGATOR), safety_contact()],
                 subject_id, _label(AdverseEvent), adverse_event.pk,
                 content.sae_entered(protocol=study.protocol_id, subject_id=subject_id,
                                     grade=adverse_event.grade, deadline=deadline,
                                     hours=study.sae_report_hours)))


def notify_query_step(query: DataQuery, created: bool) -> None:
    """Raised (new) or re-opened: the coordinators. Answered: the monitor who raised it. Each
    step is one save with its own row version, so each is told once."""
    if query.status == QueryStatus.OPEN:
        recipients = users_with_role(COORDINATOR)
    elif query.status == QueryStatus.ANSWERED and not created:
        recipients = [user_recipient(query.raised_by)]
    else:
        return
    protocol = Study.load().protocol_id
    subject_id = query.patient.subject_id
    if query.status == QueryStatus.OPEN:
        form = query.record_type.model_class()
        message = content.query_raised(
            protocol=protocol, subject_id=subject_id, number=query.pk,
            form=form._meta.verbose_name if form else query.record_type.model,
            field=query.field_name, reopened=not created)
        kind = Kind.QUERY_RAISED
    else:
        message = content.query_answered(protocol=protocol, subject_id=subject_id,
                                         number=query.pk)
        kind = Kind.QUERY_ANSWERED
    notify(Event(kind, f"query:{query.pk}:v{query.row_version}", recipients, subject_id,
                 _label(DataQuery), query.pk, message))


def notify_dlt_candidates() -> int:
    """Tell the investigators of each current rule-raised DLT candidate not yet told of and not
    yet adjudicated. One query when there is none; call it inside the transaction that
    raised them. Returns how many candidates were told of."""
    told = Notification.objects.filter(kind=Kind.DLT_CANDIDATE,
                                       record_type=_label(DltCandidate), record_id=OuterRef("pk"))
    decided = DltAdjudication.objects.filter(adverse_event=OuterRef("adverse_event"))
    pending = list(DltCandidate.objects.of_current_parents()
                   .filter(raised_by__isnull=True)
                   .exclude(Exists(told)).exclude(Exists(decided))
                   .order_by("pk")
                   .values_list("pk", "rule", "adverse_event__grade",
                                "adverse_event__patient__subject_id"))
    if not pending:
        return 0
    investigators = users_with_role(INVESTIGATOR)
    if not investigators:
        return 0
    protocol = Study.load().protocol_id
    notify_all([Event(Kind.DLT_CANDIDATE, f"dlt:{pk}", investigators, subject_id,
                      _label(DltCandidate), pk,
                      content.dlt_candidate(protocol=protocol, subject_id=subject_id, rule=rule,
                                            grade=grade))
                for pk, rule, grade, subject_id in pending])
    return len(pending)
