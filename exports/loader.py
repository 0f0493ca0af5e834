"""Read everything the exports need, in a fixed number of queries whatever the trial's size.

One query per form (the current records, each with its subject ID), the response assessments
with their derived categories (`efficacy.services.assessment_rows`), and the endpoint loader's
`TrialData` for the PK parameters (`endpoints.snapshots.load_trial`). On PostgreSQL the reads run
in one REPEATABLE READ transaction, so the files of one export agree with each other.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from core.fast_reads import values_rows
from core.models import Study
from efficacy.services import assessment_rows
from endpoints.trial_rows import load_trial
from exports.catalog import (
    AE_REFERENCES,
    CatalogEntry,
    donor_entry,
    export_catalog,
    product_lot_entry,
)
from exports.specs import ADVERSE_EVENT, ExportData

SUBJECT_PATH = {"patient": "patient__subject_id",
                "adverse_event": "adverse_event__patient__subject_id"}


def _first_date(entry: CatalogEntry) -> list[str]:
    dated = [f.name for f in entry.spec.fields if f.kind in ("date", "datetime")]
    return dated[:1]


def _form_rows(entry: CatalogEntry, ae_seq: dict[int, int]) -> list[dict]:
    """The form's current records; fills `ae_seq` (AE id → sequence) when reading the AEs."""
    model, spec = entry.model, entry.spec
    is_patient = model._meta.model_name == "patient"
    subject = "subject_id" if is_patient else SUBJECT_PATH[spec.parent]
    owner = "adverse_event_id" if spec.parent == "adverse_event" else "pk"
    queryset = model.objects.of_current_parents().order_by(subject, *_first_date(entry), "pk")
    names = [f.name for f in spec.fields]
    rows = []
    for owner_id, subject_id, *values in values_rows(queryset, owner, subject, *entry.lookups):
        row = {"subject_id": subject_id}
        if spec.parent == "adverse_event":
            row["ae_seq"] = ae_seq[owner_id]
        elif spec.slug == ADVERSE_EVENT:
            # The AE's sequence within its subject, in onset order: SDTM's AESEQ.
            previous = rows[-1] if rows and rows[-1]["subject_id"] == subject_id else None
            row["ae_seq"] = ae_seq[owner_id] = previous["ae_seq"] + 1 if previous else 1
        # A blank text field is a missing value, as an empty number or date is.
        row.update((n, None if v == "" else v) for n, v in zip(names, values, strict=True))
        for name in AE_REFERENCES.intersection(names):
            row[name] = ae_seq.get(row[name])  # the event's AESEQ, not its database id
        rows.append(row)
    return rows


def _reference_rows(entry: CatalogEntry) -> list[dict]:
    """A trial-level form's rows (no subject), in its first field's order."""
    names = [f.name for f in entry.spec.fields]
    queryset = entry.model.objects.order_by(names[0], "pk")
    return [{n: None if v == "" else v for n, v in zip(names, values, strict=True)}
            for values in values_rows(queryset, *entry.lookups)]


def load_export_data() -> ExportData:
    """The trial's current data for the exports (module docstring)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        study = Study.load()
        catalog = export_catalog()
        ae_seq: dict[int, int] = {}
        # The adverse events come first: their parts refer to them by sequence number.
        ordered = sorted(catalog, key=lambda e: e.spec.parent == "adverse_event")
        rows = {entry.spec.slug: _form_rows(entry, ae_seq) for entry in ordered}
        assessments = [{"subject_id": a.subject_id, "visit": a.visit, "date": a.date,
                        "recorded": a.recorded, "derived": a.derived.category}
                       for a in assessment_rows()]
        trial = load_trial()
        reference = tuple((entry.spec, _reference_rows(entry))
                          for entry in (product_lot_entry(), donor_entry()))
    return ExportData(
        study_id=study.protocol_id, study_title=study.title,
        forms=tuple(entry.spec for entry in catalog),
        rows={entry.spec.slug: rows[entry.spec.slug] for entry in catalog},
        assessments=assessments, trial=trial, time_zone=ZoneInfo(settings.TIME_ZONE),
        country=settings.STUDY_COUNTRY, lloq=dict(settings.PK_LLOQ), reference=reference)
