"""Edit checks at entry: declared once per CRF in the domain's rules, applied by every writer.

A domain declares its checks with `declare(Model, EditCheck(...))` from its AppConfig.ready()
(`patients.edit_checks`, `dosing.edit_checks`, …); docs/edit-checks.md lists them. Two kinds:

- *hard*: an impossible value or sequence. The model's `clean()` (`ClinicalRecord.clean`) raises
  it beside its field, so the browser form, the API and the import refuse it with the same words.
- *soft*: a protocol deviation or an unlikely value. `core.audit.record_save` refuses it
  (`SoftCheckUnconfirmed`) unless the writer confirms it with a reason (`confirmations`, check id
  → reason). The confirmation is kept in the record's audit trail (the history's change reason),
  and the listeners told of it (`on_checked_save`; the monitoring app opens a *system query* for
  the monitor and closes it once the data no longer break the check).

A check reads the record being written (its unsaved values) and the patient's other current records
through `PatientRecords`: from the database, or from a bundle held in memory (the import), so the
very same function decides in every path.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from core.text_rules import is_blank

HARD, SOFT = "hard", "soft"


@dataclass(frozen=True)
class EditCheck:
    """One rule: `test(record, records)` returns the message when the record breaks it, else
    None. `field` is the field the message is shown beside (and a system query is raised on)."""

    id: str
    kind: str  # HARD or SOFT
    field: str
    title: str
    test: Callable = field(compare=False)

    def __post_init__(self):
        if self.kind not in (HARD, SOFT):
            raise ValueError(f"kind: {self.kind!r} is not {HARD!r} or {SOFT!r}")


@dataclass(frozen=True)
class Finding:
    check: EditCheck
    message: str

    @property
    def id(self) -> str:
        return self.check.id

    @property
    def field(self) -> str:
        return self.check.field

    def text(self) -> str:
        """The message with the check's id, as the API, the import and the audit trail say it."""
        return f"{self.check.id} ({self.check.kind}): {self.message.rstrip('.')}."


_declared: dict[type, list[EditCheck]] = {}


def declare(model, *checks: EditCheck) -> None:
    """Register `checks` for `model` (once, from an AppConfig.ready(); repeated calls are no-ops).
    """
    known = _declared.setdefault(model, [])
    ids = {c.id for checks_of in _declared.values() for c in checks_of}
    for check in checks:
        if check in known:
            continue
        if check.id in ids:
            raise ValueError(f"edit check {check.id} is declared twice")
        known.append(check)


def declared_checks() -> list[tuple[type, EditCheck]]:
    """Every declared check with its model, in declaration order (docs, tests)."""
    return [(model, check) for model, checks in _declared.items() for check in checks]


def checks_of(model) -> list[EditCheck]:
    return list(_declared.get(model, ()))


class PatientRecords:
    """What a check may read besides the record itself: the patient (with the record's unsaved
    values when the record is the patient) and the patient's other current records of a model.

    From the database by default: one query per model asked, kept for the checks that follow.
    An import passes `in_memory` (model → records of the bundle's patient) and `dose_levels`
    (code → level), so nothing is read from the database.
    """

    def __init__(self, patient, record, *, in_memory: Mapping | None = None,
                 dose_levels: Mapping | None = None):
        self.patient = patient
        self.record = record
        self.in_memory = in_memory
        self.dose_levels = dose_levels or {}
        self._read: dict[type, list] = {}

    def of(self, model) -> list:
        """The patient's current records of `model`, the record being written left out."""
        if self.in_memory is not None:
            return [r for r in self.in_memory.get(model, ()) if r is not self.record]
        if model not in self._read:
            rows = []
            if self.patient is not None and self.patient.pk is not None:
                query = model.objects.filter(patient_id=self.patient.pk)
                if type(self.record) is model and self.record.pk is not None:
                    query = query.exclude(pk=self.record.pk)
                rows = list(query)
            self._read[model] = rows
        return self._read[model]


def patient_of(record):
    """The patient a record belongs to (the record itself for the patient's own form, whose
    model says so with the date-order role "patient", `core.date_order_check`)."""
    if getattr(type(record), "TIMELINE", ("",))[0] == "patient":
        return record
    return getattr(record, "patient", None) if hasattr(record, "patient_id") else None


def findings(record, *, kind: str | None = None, records: PatientRecords | None = None,
             only: str | None = None) -> list[Finding]:
    """The declared checks `record` breaks (of one kind, or of check id `only`)."""
    checks = [c for c in checks_of(type(record))
              if (kind is None or c.kind == kind) and (only is None or c.id == only)]
    if not checks:
        return []
    if records is None:
        records = PatientRecords(patient_of(record), record)
    out = []
    for check in checks:
        message = check.test(record, records)
        if message:
            out.append(Finding(check, message))
    return out


def raise_hard(record, records: PatientRecords | None = None) -> None:
    """Refuse `record` when it breaks a hard check, each message beside its field."""
    errors: dict[str, list[str]] = {}
    for finding in findings(record, kind=HARD, records=records):
        errors.setdefault(finding.field, []).append(finding.text())
    if errors:
        raise ValidationError(errors, code="edit_check")


CONFIRM_HOW = ("confirm it with a reason (in the form, the confirmation box beside the warning; "
               "in the API, \"confirmed_checks\": {{\"{id}\": \"reason\"}})")


class SoftCheckUnconfirmed(ValidationError):
    """A soft check fired and the writer did not confirm it with a reason; nothing was saved."""

    def __init__(self, unconfirmed: list[Finding]):
        self.findings = unconfirmed
        super().__init__(
            {f.field: [f"{f.text()} Not saved: {CONFIRM_HOW.format(id=f.id)}."]
             for f in unconfirmed}, code="soft_check_unconfirmed")


def unconfirmed(fired: list[Finding], confirmations: Mapping[str, str] | None) -> list[Finding]:
    confirmations = confirmations or {}
    return [f for f in fired if is_blank(confirmations.get(f.id))]


def confirmation_note(fired: list[Finding], confirmations: Mapping[str, str]) -> str:
    """What the audit trail keeps of the confirmations: each check, its message and the reason."""
    return "; ".join(f"confirmed {f.id} ({f.message}): {confirmations[f.id].strip()}"
                     for f in fired)


# Told after every audited write of a clinical record, inside its transaction: the record, the
# soft findings it was saved with (confirmed) and the writer. The monitoring app registers the
# system queries' opening and closing.
_checked_save_listeners: list[Callable] = []


def on_checked_save(listener: Callable) -> None:
    if listener not in _checked_save_listeners:
        _checked_save_listeners.append(listener)


def checked_save_done(record, fired: list[Finding], confirmations: Mapping[str, str], by) -> None:
    for listener in _checked_save_listeners:
        listener(record, fired, confirmations, by)
