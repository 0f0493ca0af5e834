"""The IEC-HS grade follows the adverse event's grade.

An IEC-HS adverse event is graded once: the ASTCT 2023 grade of its IEC-HS details is the
event's grade (`IecHsDetails.clean` refuses details that disagree with the event). The event's
grade is the one the DLT rules, the listings and the exports read, so it leads: when an edit of
the event changes its grade, the current IEC-HS details take the new grade in the same
transaction, as their own audited change by the same user and with the edit's reason. Neither
record can then be left disagreeing with the other, and neither edit is refused for the other
(an edit of the details alone to another grade is still refused: grade the event). A locked
IEC-HS details record refuses the event's grade change as it refuses any change
(docs/cart-safety.md).
"""

from core.audit import record_save
from safety.models import AdverseEvent, IecHsDetails


def follow_reason(grade: int, reason: str) -> str:
    return f"the adverse event's grade changed to {grade}: {reason}"


def iec_hs_grade_follows(record, created: bool) -> None:
    """The kernel's `on_record_saved` listener: give an edited event's IEC-HS details its
    grade."""
    if created or not isinstance(record, AdverseEvent) or record.is_voided:
        return
    for details in IecHsDetails.objects.filter(adverse_event=record).exclude(
            astct_grade=record.grade):
        edit = record.history.only("history_change_reason", "history_user_id").first()
        details.adverse_event = record
        details.astct_grade = record.grade
        record_save(details, by=edit.history_user,
                    reason=follow_reason(record.grade, edit.history_change_reason))
