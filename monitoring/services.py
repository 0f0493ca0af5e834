"""The query cycle: raise → answer → close, or re-open. Every step is an audited save."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import edit_checks
from core.audit import record_save, system_user
from core.text_rules import is_blank
from core.text_validators import required_text
from monitoring.models import OUTSTANDING, DataQuery, QueryStatus


def _require(text: str, what: str) -> str:
    return required_text(text, field=what, message="This field is required.")


def query_raise(*, record, patient, field_name: str, question: str, by) -> DataQuery:
    """A monitor's question on `record` (one field of it, or all of it when `field_name` is "")."""
    query = DataQuery(patient=patient, record_type=ContentType.objects.get_for_model(record),
                      record_id=record.pk, field_name=field_name,
                      question=_require(question, "question"), raised_by=by)
    return record_save(query, by=by)


def query_answer(*, query: DataQuery, answer: str, by) -> DataQuery:
    if query.status != QueryStatus.OPEN:
        raise ValidationError(f"Only an open query can be answered; this one is {query.status}.")
    query.answer = _require(answer, "answer")
    query.answered_by, query.answered_at = by, timezone.now()
    query.status = QueryStatus.ANSWERED
    return record_save(query, by=by, reason=f"answered: {query.answer}")


def query_close(*, query: DataQuery, by, note: str = "") -> DataQuery:
    """Close the query, with the monitor's comment if one is given (kept on the query and in
    its audit trail; "resolved" when none)."""
    if query.status == QueryStatus.CLOSED:
        raise ValidationError("This query is already closed.")
    note = "" if is_blank(note) else note.strip()
    query.status, query.closed_by, query.closed_at = QueryStatus.CLOSED, by, timezone.now()
    query.close_comment = note
    return record_save(query, by=by, reason=f"closed: {note or 'resolved'}")


def query_reopen(*, query: DataQuery, by, reason: str) -> DataQuery:
    """Back to open when the answer or the correction does not settle it; a reason is needed."""
    if query.status == QueryStatus.OPEN:
        raise ValidationError("This query is already open.")
    reason = _require(reason, "reason")
    query.status, query.closed_by, query.closed_at = QueryStatus.OPEN, None, None
    query.close_comment = ""  # the earlier close and its comment stay in the history
    return record_save(query, by=by, reason=f"re-opened: {reason}")


def check_still_breaks(item, record, record_type, fired_ids) -> bool:
    """Whether the record `item` (a system query or a protocol deviation: `record_type_id`,
    `record_id`, `edit_check`) is about still breaks its check after `record` was saved with
    the soft checks `fired_ids`: asked again of the item's own record when it is another one,
    so correcting either record of a check spanning two clears it."""
    if (item.record_type_id, item.record_id) == (record_type.pk, record.pk):
        return item.edit_check in fired_ids
    other = item.record
    return bool(other is not None and not getattr(other, "is_voided", True)
                and edit_checks.findings(other, only=item.edit_check))


def system_queries_follow(record, fired, confirmations, by) -> None:
    """Open a system query for each soft edit check `record` was saved breaking (confirmed by
    `by` with a reason), and close the patient's system queries whose check no longer fires.

    Told by `core.audit` after every write of a clinical record (`core.edit_checks`); a check
    spanning records (an enrolment against the eligibility form) is asked again of the record
    its query is on, so correcting either record closes it. Queries per write: a fixed few, and
    one per outstanding system query of the patient on another record.
    """
    patient = edit_checks.patient_of(record)
    if patient is None or patient.pk is None:
        return
    system = system_user()
    record_type = ContentType.objects.get_for_model(record)
    fired_ids = {finding.id for finding in fired} if not record.is_voided else set()
    still_open = set()
    outstanding = (DataQuery.objects.filter(patient=patient, status__in=OUTSTANDING)
                   .exclude(edit_check=""))
    for query in outstanding:
        if check_still_breaks(query, record, record_type, fired_ids):
            still_open.add((query.record_type_id, query.record_id, query.edit_check))
        else:
            query_close(query=query, by=system,
                        note=f"the data no longer break {query.edit_check}")
    for finding in fired:
        if (record_type.pk, record.pk, finding.id) in still_open or record.is_voided:
            continue
        # Raised by the system and answered at once by the writer's confirmation: it waits for
        # the monitor, who closes it or re-opens it.
        query = DataQuery(
            patient=patient, record_type=record_type, record_id=record.pk,
            field_name=finding.field, edit_check=finding.id, raised_by=system,
            question=finding.text(), status=QueryStatus.ANSWERED,
            answer=f"Confirmed at entry: {confirmations.get(finding.id, '').strip()}",
            answered_by=by or system, answered_at=timezone.now())
        record_save(query, by=system)
