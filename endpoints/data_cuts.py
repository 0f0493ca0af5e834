"""Frozen data cuts: a named endpoint report, e-signed, kept for ever and re-derivable from the
audit trail alone (docs/reports.md, "Frozen data cuts").

Freezing computes the report at the cutoff exactly as a reader's report is computed (no
clinical write: `endpoints.snapshots.compute` without reconciling the DLT candidates) and, in
the same transaction, reads each audited history table's highest `history_id` (the cut's
`positions`). On PostgreSQL the transaction first takes SHARE locks on those history tables, so
that no write still in flight can later commit a history row below a position it did not see:
the positions then describe exactly the rows the report was computed from.

Re-deriving rebuilds every audited table as it stood at those positions from
django-simple-history's rows — for each object the latest history row with `history_id` at or
below its table's position, none if that row records a deletion, and no object created later —
by rewriting the live tables in a transaction that is always rolled back (`tables_as_of`), and
runs the same computation over them. Nothing of the rewrite is kept: it writes no history (plain
DELETE and INSERT … SELECT statements, no model save, no signal) and the rollback undoes it.
"""

import json
from contextlib import contextmanager
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from core.audit import record_save
from core.esignature import check_signer, signer_printed_name
from core.text_validators import required_text
from endpoints.cutoffs import checked_cutoff
from endpoints.models import DataCut, EndpointSnapshot
from endpoints.snapshots import Computed, compute, history_models, store

NAME_TAKEN = "A data cut with this name exists already: data cut names are unique."
DATA_CHANGED_WHILE_FREEZING = ("Data were being saved while the cut was frozen: nothing was "
                               "frozen. Freeze it again.")
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def _lock_history_tables() -> None:
    """PostgreSQL: wait for the writes in flight and hold new ones until this transaction ends,
    so that the positions read next are complete (see the module's docstring)."""
    if connection.vendor != "postgresql":
        return  # SQLite: one writer at a time, and a transaction reads one state
    tables = ", ".join(f'"{m._meta.db_table}"' for m in history_models())
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")


def data_cut_freeze(*, name: str, reason: str, cutoff: date | None, by,
                    password: str) -> DataCut:
    """Freeze the data cut `name` at `cutoff` (default today), signed by `by` with the password.

    One transaction: on PostgreSQL at REPEATABLE READ, its first statement the history tables'
    lock, then the report, the positions, the snapshot and the signed cut."""
    check_signer(by, password)
    name = required_text(name, field="name", message="A data cut needs a name.").strip()
    reason = required_text(reason, field="reason",
                           message="A reason is required to freeze a data cut.").strip()
    today = timezone.localdate()
    cutoff = checked_cutoff(cutoff or today, today=today)
    if len(name) > DataCut._meta.get_field("name").max_length:
        raise ValidationError({"name": "A data cut's name has at most 120 characters."})
    try:
        return _freeze(name, reason, cutoff, today, by)
    except IntegrityError as error:
        # Two freezes of one name at once: both found the name free, the unique index
        # refused the second.
        raise ValidationError({"name": NAME_TAKEN}, code="unique") from error
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
            raise
        # A write held one history table and wanted another the freeze had already locked:
        # PostgreSQL ended the freeze's side of the deadlock, and the writer went on.
        raise ValidationError(DATA_CHANGED_WHILE_FREEZING, code="busy") from error


def _freeze(name: str, reason: str, cutoff: date, today: date, by) -> DataCut:
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        _lock_history_tables()
        if DataCut.objects.filter(name__iexact=name).exists():
            raise ValidationError({"name": NAME_TAKEN}, code="unique")
        computed = compute(cutoff, today=today, reconcile=False)
        snapshot = store(cutoff, computed)
        cut = DataCut(name=name, reason=reason, cutoff=cutoff, rules_day=today,
                      snapshot=snapshot, positions=computed.positions, signed_by=by,
                      signer_printed_name=signer_printed_name(by), signed_at=timezone.now())
        return record_save(cut, by=by, reason=f"data cut frozen: {reason}")


@contextmanager
def tables_as_of(positions: dict[str, int]):
    """Inside: every audited table holds its rows as they stood at `positions`. Always rolled
    back on leaving; the caller must not write anything it means to keep meanwhile."""
    with transaction.atomic():
        try:
            with connection.cursor() as cursor:
                for history in history_models():
                    _rewrite(cursor, history, positions.get(history._meta.db_table, 0))
            yield
        finally:
            transaction.set_rollback(True)


def _rewrite(cursor, history, position: int) -> None:
    """The live table of `history`'s model, emptied, then filled from its history rows."""
    model = history.instance_type
    table, past = model._meta.db_table, history._meta.db_table
    history_columns = {f.column for f in history._meta.concrete_fields}
    # simple-history leaves out what the model excludes (`updated_at`): the row's save time.
    columns = [f.column for f in model._meta.concrete_fields]
    selected = [f'h."{c}"' if c in history_columns else "h.history_date" for c in columns]
    pk = model._meta.pk.column
    cursor.execute(f'DELETE FROM "{table}"')
    cursor.execute(
        f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
        f'SELECT {", ".join(selected)} FROM "{past}" h WHERE h.history_id IN ('
        f'SELECT MAX(history_id) FROM "{past}" WHERE history_id <= %s GROUP BY "{pk}") '
        "AND h.history_type <> '-'", [position])


def rederive(cut: DataCut) -> Computed:
    """The cut's report and listing computed again from the audit trail at its positions, the
    DLT rules applied as on the day it was frozen."""
    with tables_as_of(cut.positions):
        return compute(cut.cutoff, today=cut.rules_day, reconcile=False)


def stored_documents(snapshot: EndpointSnapshot) -> tuple[str, str]:
    """The snapshot's report and listing as the database holds them (JSON text, unparsed)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT report, review FROM "{EndpointSnapshot._meta.db_table}" '
                       "WHERE id = %s", [snapshot.pk])
        return cursor.fetchone()


def _as_stored(document: dict) -> str:
    return EndpointSnapshot._meta.get_field("report").get_prep_value(document)


def first_difference(frozen, derived, path: str = "$") -> str | None:
    """Where two JSON documents first differ, as a path and both values; None if equal."""
    if type(frozen) is not type(derived):
        return f"{path}: frozen {frozen!r}, re-derived {derived!r}"
    if isinstance(frozen, dict):
        if list(frozen) != list(derived):
            return f"{path}: keys frozen {list(frozen)}, re-derived {list(derived)}"
        for key in frozen:
            if (found := first_difference(frozen[key], derived[key], f"{path}.{key}")):
                return found
        return None
    if isinstance(frozen, list):
        for i, (a, b) in enumerate(zip(frozen, derived, strict=False)):
            if (found := first_difference(a, b, f"{path}[{i}]")):
                return found
        if len(frozen) != len(derived):
            return f"{path}: {len(frozen)} items frozen, {len(derived)} re-derived"
        return None
    return None if frozen == derived else f"{path}: frozen {frozen!r}, re-derived {derived!r}"


def rederive_and_compare(cut: DataCut) -> str | None:
    """None when the re-derived report and listing equal the frozen ones byte for byte, else
    the first difference."""
    derived = rederive(cut)
    for what, frozen_text, document in zip(("report", "review"), stored_documents(cut.snapshot),
                                           (derived.report, derived.review), strict=True):
        derived_text = _as_stored(document)
        if derived_text == frozen_text:
            continue
        found = first_difference(json.loads(frozen_text), json.loads(derived_text), what)
        if found is None:  # equal as JSON, not as text
            at = next((i for i, (a, b) in enumerate(zip(frozen_text, derived_text,
                                                        strict=False)) if a != b),
                      min(len(frozen_text), len(derived_text)))
            found = (f"{what}: equal as JSON, the text differs at character {at}: frozen "
                     f"{frozen_text[at:at + 40]!r}, re-derived {derived_text[at:at + 40]!r}")
        return found
    return None
