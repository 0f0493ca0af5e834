"""Form and casebook locks, enforced on every write of clinical data.

A monitor locks one CRF record (`FormReview.locked_at`) or a patient's whole casebook
(`CasebookLock`). `refuse_if_locked` is registered with `core.audit.refuse_writes_with`
(see `MonitoringConfig.ready`), so `record_save` and `record_void` refuse a locked record whoever
writes it: the browser, the API, the admin or the casebook import. It costs one query per write
(two unique-index lookups joined by UNION). A bulk writer asks `trial_locks()` once instead.

DLT candidates (derived by the rules from the data) and casebook signatures (an attestation, not
data) are not covered: a locked casebook can still be signed, and the nightly recompute still runs.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, IntegerField, OuterRef, Subquery, Value
from django.utils import timezone

from core.audit import ClinicalRecord, LockedRecordError
from monitoring.models import CasebookLock, FormReview
from patients.models import Patient
from safety.models import AdverseEvent

NOT_LOCKED = frozenset({"safety.dltcandidate", "signoff.casebooksignature"})
FORM, CASEBOOK = "form", "casebook"


# How a lock's reason is kept in its audit trail ("casebook locked: <why>"), and the reason
# of a form lock given without one.
LOCK_REASON_PREFIXES = ("casebook locked: ", "locked: ")
FORM_LOCKED = "locked"


@dataclass(frozen=True)
class Lock:
    scope: str  # FORM or CASEBOOK
    subject_id: str
    locked_by: str  # the monitor's name (full name, else user name)
    locked_at: datetime
    record: str = ""  # "adverse event #12" for a form lock
    reason: str = ""  # why, as the monitor gave it ("" when none was given)

    @property
    def why(self) -> str:
        return f" (why: {self.reason})" if self.reason else ""

    @property
    def message(self) -> str:
        when = f"{timezone.localtime(self.locked_at):%Y-%m-%d %H:%M}"
        if self.scope == CASEBOOK:
            return (f"The casebook of {self.subject_id} was locked by {self.locked_by} on "
                    f"{when}{self.why}; no form of this patient can be added, changed or voided "
                    "until a monitor unlocks it.")
        return (f"The {self.record} of {self.subject_id} was locked by {self.locked_by} on "
                f"{when}{self.why}; a monitor must unlock it before it can be changed.")


def _lock_reason(model):
    """The reason of the lock's latest audit entry, in the same query (a subquery)."""
    latest = model.history.filter(id=OuterRef("pk")).order_by("-history_date", "-history_id")
    return Subquery(latest.values("history_change_reason")[:1], output_field=CharField())


def _columns(scope: str, model, *record):
    return (Value(scope, output_field=CharField()), *record, "patient__subject_id",
            "locked_by__first_name", "locked_by__last_name", "locked_by__username", "locked_at",
            _lock_reason(model))


def _form_locks(**filters):
    return FormReview.objects.filter(locked_at__isnull=False, **filters).values_list(
        *_columns(FORM, FormReview, "record_type_id", "record_id"))


def _casebook_locks(**filters):
    none = Value(0, output_field=IntegerField())
    return CasebookLock.objects.filter(locked_at__isnull=False, **filters).values_list(
        *_columns(CASEBOOK, CasebookLock, none, none))


def _as_locks(rows) -> list[Lock]:
    locks = []
    for scope, type_id, record_id, subject_id, first, last, username, at, reason in rows:
        record = ""
        if scope == FORM:
            model = ContentType.objects.get_for_id(type_id).model_class()
            record = f"{model._meta.verbose_name} #{record_id}"
        by = f"{first} {last}".strip() or username
        locks.append(Lock(scope, subject_id, by, at, record, _why(reason)))
    # The casebook lock first: it is the one a reader must lift before any other helps.
    return sorted(locks, key=lambda lock: (lock.scope != CASEBOOK, lock.subject_id, lock.record))


def _why(reason: str | None) -> str:
    for prefix in LOCK_REASON_PREFIXES:
        if reason and reason.startswith(prefix):
            return reason.removeprefix(prefix).strip()
    return ""


def _patient_filter(record) -> dict | None:
    """How to find the record's patient without loading it (None: not a patient's record)."""
    if isinstance(record, Patient):
        return None if record.pk is None else {"patient_id": record.pk}
    fields = {f.attname for f in record._meta.concrete_fields}
    if "patient_id" in fields:
        return {"patient_id": record.patient_id}
    if "adverse_event_id" in fields:
        return {"patient_id__in": AdverseEvent.all_objects.filter(
            pk=record.adverse_event_id).values("patient_id")}
    return None


def is_lockable(record) -> bool:
    return isinstance(record, ClinicalRecord) and record._meta.label_lower not in NOT_LOCKED


def locks_on(record) -> list[Lock]:
    """The locks that stop `record` from being written: its form lock and its patient's casebook
    lock. One query; none for records that locks do not cover."""
    if not is_lockable(record):
        return []
    patient = _patient_filter(record)
    parts = []
    if record.pk is not None:
        parts.append(_form_locks(record_type=ContentType.objects.get_for_model(record),
                                 record_id=record.pk))
    if patient is not None:
        parts.append(_casebook_locks(**patient))
    if not parts:
        return []
    first, *others = parts
    return _as_locks(first.union(*others, all=True) if others else first)


def refuse_if_locked(record) -> None:
    """The write check `record_save` runs: refuse a record that a monitor has locked."""
    if locks := locks_on(record):
        raise LockedRecordError(" ".join(lock.message for lock in locks))


def trial_locks() -> list[Lock]:
    """Every form and casebook lock in the trial, for bulk writers: one query."""
    return _as_locks(_form_locks().union(_casebook_locks(), all=True))


def locked_patient_ids(patient_ids) -> set[int]:
    """Which of these patients' casebooks are locked, for the patient list: one query."""
    return set(CasebookLock.objects.filter(patient_id__in=patient_ids, locked_at__isnull=False)
               .values_list("patient_id", flat=True))
