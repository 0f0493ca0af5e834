"""The audit trail and the rules every clinical write obeys.

Every clinical model derives from `ClinicalRecord`. django-simple-history keeps one history row per
change (who, when, the full row before and after, and the reason). On top of it this module holds
the rules of a regulated record (ICH E6(R3) 4.9 / 21 CFR Part 11 §11.10(e)):

- a change to a saved record needs a reason (enforced in `save()` itself, so forms, the API,
  the import and the admin all obey it, and `record_save` is the one door they use);
- nothing clinical is deleted: a record is *voided* with a reason and stays in the database and
  its history; default managers hide voided rows, `all_objects` shows them;
- an edit based on an out-of-date copy is refused (optimistic locking on `row_version`), so two
  people editing the same form cannot silently overwrite each other;
- a record a monitor has locked (the form, or the patient's whole casebook) is refused to every
  writer: `record_save` runs the write checks apps register with `refuse_writes_with` (the
  monitoring app registers its lock check), so the browser, the API, the admin and the import
  all meet the same lock;
- a record is never voided from under the records that belong to it: `record_void` voids its
  current dependants with it (same reason, one transaction) when their model says so
  (`voided_with_parent`), and otherwise refuses, naming them (`void_plan`).
"""

import functools
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core import edit_checks
from core.ranges import too_early_dates
from core.text_rules import is_blank
from core.text_validators import INVISIBLE_ONLY, required_text

INITIAL_ENTRY_REASON = "initial entry"


class ClinicalDeletionError(Exception):
    """Raised on any attempt to delete clinical data; void it with a reason instead."""


class StaleRecordError(Exception):
    """The record changed since the editor loaded it (someone else saved first)."""

    def __init__(self, record):
        self.record = record
        super().__init__(
            f"{record._meta.verbose_name} was changed by someone else after you opened it; "
            "your changes were not saved. Review the current values and save again."
        )


class LockedRecordError(ValidationError):
    """The record, or the patient's casebook, is locked: nobody may change it until unlocked."""

    def __init__(self, message: str):
        super().__init__(message, code="locked")


class MissingChangeReasonError(ValidationError):
    MESSAGE = "A reason for change is required when a saved record is edited."

    def __init__(self, typed: str | None = ""):
        # Something was typed, yet nothing visible: say so, or the refusal looks wrong.
        message = f"{self.MESSAGE} ({INVISIBLE_ONLY})" if typed else self.MESSAGE
        super().__init__({"reason": message}, code="reason_required")


class AuditedQuerySet(models.QuerySet):
    def delete(self):
        raise ClinicalDeletionError(
            f"{self.model._meta.verbose_name_plural} are never deleted: void them with a reason."
        )


@functools.cache
def parent_paths(model) -> list[str]:
    """The lookups from `model` to each clinical record it belongs to, nearest first: a CRS
    details record's are ["adverse_event", "adverse_event__patient"]."""
    paths: list[str] = []
    for field in model._meta.concrete_fields:
        parent = field.related_model
        if field.many_to_one and parent is not None and issubclass(parent, ClinicalRecord):
            paths += [field.name, *(f"{field.name}__{path}" for path in parent_paths(parent))]
    return paths


class ActiveQuerySet(AuditedQuerySet):
    def active(self):
        return self.filter(voided_at__isnull=True)

    def of_current_parents(self):
        """Leave out the records of a voided parent (a voided patient's forms, a voided adverse
        event's details): they are out of the trial's data with it, whatever the data (a void
        made before voids took their dependants along, or one a bulk writer made)."""
        return self.filter(**{f"{path}__voided_at__isnull": True
                              for path in parent_paths(self.model)})


class ActiveManager(models.Manager.from_queryset(ActiveQuerySet)):
    """The default manager of clinical records: voided rows are not part of the trial's data."""

    def get_queryset(self):
        return super().get_queryset().filter(voided_at__isnull=True)


class AuditedModel(models.Model):
    """A row whose every change is kept with who, when, the values and why; never deleted."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    row_version = models.PositiveIntegerField(
        default=1, editable=False,
        help_text="Incremented on every save; an edit based on an older version is refused.",
    )

    # The reason for a change is text of any length: simple-history's default column is 100
    # characters, which PostgreSQL enforces, and a reason is written by a person.
    history = HistoricalRecords(inherit=True, excluded_fields=["updated_at"],
                                history_change_reason_field=models.TextField(null=True))
    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and is_blank(getattr(self, "_change_reason", "")):
            raise MissingChangeReasonError(getattr(self, "_change_reason", ""))
        super().save(*args, **kwargs)
        # The reason belongs to this one save; the next edit must give its own.
        self._change_reason = ""

    def delete(self, *args, **kwargs):
        raise ClinicalDeletionError(
            f"{self._meta.verbose_name} records are never deleted: void them with a reason."
        )


class ClinicalRecord(AuditedModel):
    """A CRF record: audited, and voided (never deleted) when entered in error."""

    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )
    void_reason = models.TextField(blank=True, editable=False)

    objects = ActiveManager()
    all_objects = ActiveQuerySet.as_manager()

    # How a current record of this model meets the void of the clinical record it belongs to
    # (the one its foreign key points at): voided with it, with the same reason; or, when False,
    # the parent's void is refused while it is current, saying `parent_void_refusal` (default:
    # a message naming the records to void first).
    voided_with_parent = False
    parent_void_refusal = ""

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    # Set by a caller that applies the cross-record rules itself, on records held in memory (the
    # casebook import, `exchange.read`): the model's `clean()` leaves them to it.
    timeline_checked_by_caller = False

    def clean(self):
        """The declared hard edit checks (`core.edit_checks`): refused beside their field."""
        super().clean()
        if not self.timeline_checked_by_caller:
            edit_checks.raise_hard(self)

    def clean_fields(self, exclude=None):
        """The fields' own validators, and no clinical date before 1900 (`ranges`): every
        writer that validates (forms, admin, API, import) meets it, field by field."""
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name, message in too_early_dates(self, [*(exclude or ()), *errors]).items():
            errors[name] = [ValidationError(message, code="too_early")]
        if errors:
            raise ValidationError(errors)


def one_active_per(field: str, table: str) -> models.UniqueConstraint:
    """At most one non-voided record per `field` (a patient has one death, one HSCT…)."""
    return models.UniqueConstraint(
        fields=[field], condition=models.Q(voided_at__isnull=True), name=f"{table}_one_active",
        violation_error_message=f"There is already a record of this kind for this {field}.",
    )


def system_user():
    """The user that unattended changes (import, recompute) are attributed to."""
    user, _ = get_user_model().objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "System", "last_name": "(automated)"},
    )
    return user


# Told, inside the writing transaction, that audited data changed: the analysis app registers
# the scheduling of its recompute (`endpoints.apps`). The kernel knows nothing of what they do.
_change_listeners: list[Callable[[], None]] = []


def on_data_change(listener: Callable[[], None]) -> None:
    """Call `listener()` inside every transaction that changes audited data (once per write; a
    listener that wants one call per transaction coalesces them itself). Registered once, from
    an AppConfig.ready()."""
    if listener not in _change_listeners:
        _change_listeners.append(listener)


def data_changed() -> None:
    """Tell the listeners that audited data changed in the current transaction. `record_save`
    calls it; so does every writer that bypasses it in bulk (the import, the DLT reconcile)."""
    for listener in _change_listeners:
        listener()


# Told, inside the writing transaction, of each record `record_save` (or `record_void`) wrote,
# and whether it was new: the notifications app registers its triggers (an SAE entered, a data
# query raised or answered). Bulk writers (the import) do not call them.
_save_listeners: list[Callable[[AuditedModel, bool], None]] = []


def on_record_saved(listener: Callable[[AuditedModel, bool], None]) -> None:
    """Call `listener(record, created)` inside the transaction of every `record_save` write,
    after the row is written. Registered once, from an AppConfig.ready(); it may write (in the
    same transaction), and what it raises rolls the save back, so it must not fail on the
    outside world (a broker, a mail server): it schedules that for after the commit."""
    if listener not in _save_listeners:
        _save_listeners.append(listener)


# Checks every audited write passes first; each raises (LockedRecordError) to refuse it.
_write_checks: list[Callable[[AuditedModel], None]] = []


def refuse_writes_with(check: Callable[[AuditedModel], None]) -> None:
    """Make `record_save` (and so `record_void`) run `check(record)` before each write.

    An app registers its rule once, from its AppConfig.ready(); the rule may refuse a write by
    raising, before anything is written.
    """
    if check not in _write_checks:
        _write_checks.append(check)


def check_writable(record: AuditedModel) -> None:
    """Raise what `record_save` would raise for a lock, without writing: for forms that want
    to say so before the user types."""
    for check in _write_checks:
        check(record)


def record_save(record: AuditedModel, *, by, reason: str = "", validate: bool = True,
                confirmations=None):
    """Validate and save one record, leaving an audit entry attributed to `by` with `reason`.

    A new record needs no reason ("initial entry" is stored); an edit does. The edit is applied
    only if the row still has the `row_version` the editor loaded; otherwise StaleRecordError.
    A locked record (or a record of a locked casebook) is refused with LockedRecordError.
    A clinical record that breaks a soft edit check (`core.edit_checks`) is refused with
    SoftCheckUnconfirmed unless `confirmations` (check id → reason) confirms each; the
    confirmations are kept with the reason in the audit trail.
    """
    if not record._state.adding and is_blank(reason):
        raise MissingChangeReasonError(reason)
    reason = (reason or "").strip()
    check_writable(record)
    return _save_checked(record, by=by, reason=reason, validate=validate,
                         confirmations=confirmations or {})


def _save_checked(record: AuditedModel, *, by, reason: str, validate: bool,
                  confirmations=None):
    is_new = record._state.adding
    if validate:
        record.full_clean()
    fired = []
    clinical = isinstance(record, ClinicalRecord)
    if clinical and confirmations is not None and not record.is_voided:
        fired = edit_checks.findings(record, kind=edit_checks.SOFT)
        if refused := edit_checks.unconfirmed(fired, confirmations):
            raise edit_checks.SoftCheckUnconfirmed(refused)
        if fired:
            note = edit_checks.confirmation_note(fired, confirmations)
            reason = f"{reason or INITIAL_ENTRY_REASON}; {note}"
    record._history_user = by
    record._change_reason = reason or INITIAL_ENTRY_REASON
    with transaction.atomic():
        if not is_new:
            model = type(record)
            manager = getattr(model, "all_objects", model._default_manager)
            claimed = manager.filter(pk=record.pk, row_version=record.row_version).update(
                row_version=F("row_version") + 1
            )
            if not claimed:
                raise StaleRecordError(record)
            record.row_version += 1
        record.save()
        if clinical:
            edit_checks.checked_save_done(record, fired, confirmations or {}, by)
        data_changed()
        for listener in _save_listeners:
            listener(record, is_new)
    return record


def _current_dependants(record: ClinicalRecord):
    """(model, current rows) of each kind of clinical record pointing at `record`: one query per
    kind of dependant its model has."""
    for relation in record._meta.related_objects:
        model = relation.related_model
        if relation.one_to_many and issubclass(model, ClinicalRecord):
            rows = list(model.objects.filter(**{relation.field.name: record}))
            if rows:
                yield model, rows


def void_plan(record: ClinicalRecord) -> list[ClinicalRecord]:
    """The records that voiding `record` takes out of the trial's data: its current dependants
    that are voided with it (and theirs), then itself. Writes nothing; raises (a lock, a
    dependant that refuses the void) with every reason at once."""
    check_writable(record)
    plan, refusals, remaining = [], [], []
    for model, rows in _current_dependants(record):
        if model.voided_with_parent:
            for row in rows:
                plan += void_plan(row)
        elif model.parent_void_refusal:
            refusals.append(model.parent_void_refusal)
        else:
            name = model._meta.verbose_name if len(rows) == 1 else model._meta.verbose_name_plural
            remaining.append(f"{len(rows)} {name}")
    if remaining:
        refusals.append(f"this {record._meta.verbose_name} still has current records "
                        f"({', '.join(remaining)}): void them first.")
    if refusals:
        raise ValidationError([f"Not voided: {refusal}" for refusal in refusals],
                              code="has_dependants")
    return [*plan, record]


def record_void(record: ClinicalRecord, *, by, reason: str):
    """Take a record out of the trial's data, keeping it and its history. A reason is required.

    Its current dependants go with it, with the same reason, in one transaction, or nothing is
    voided (`void_plan`)."""
    reason = required_text(reason, field="reason",
                           message="A reason is required to void a record.")
    if record.is_voided:
        raise ValidationError(f"This {record._meta.verbose_name} is already voided.",
                              code="already_voided")
    # Planned before any record is touched, so a refused void leaves every one as it was.
    plan, now = void_plan(record), timezone.now()
    with transaction.atomic():
        for each in plan:
            each.voided_at = now
            each.voided_by = by
            each.void_reason = reason
            _save_checked(each, by=by, reason=f"voided: {reason}", validate=False)
    return record


def field_changes(record: AuditedModel) -> list[dict]:
    """The audit trail of one record, newest first: who, when, why and each old → new value."""
    entries = list(record.history.select_related("history_user").order_by("-history_date",
                                                                          "-history_id"))
    trail = []
    for newer, older in zip(entries, entries[1:] + [None], strict=True):
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            changes = [
                {"field": c.field, "old": c.old, "new": c.new}
                for c in delta.changes
                if c.field != "row_version"
            ]
        entry = {
            "when": newer.history_date,
            "who": newer.history_user.get_username() if newer.history_user else None,
            "type": {"+": "created", "~": "changed", "-": "deleted"}[newer.history_type],
            "reason": newer.history_change_reason,
            "changes": changes,
        }
        if older is None:  # the first version: the values it was created with
            entry["initial"] = {f.name: getattr(newer, f.attname)
                                for f in record._meta.concrete_fields
                                if hasattr(newer, f.attname)}
        trail.append(entry)
    return trail
