"""The forms the exports carry, described from the models themselves (no database access).

Every CRF of the browser EDC (`casebook.crfs.CRFS`) plus the investigators' DLT adjudications.
Technical columns (ids, row versions, save times, void marks) are left out: only current records
are exported, and a record says whose it is by subject ID (and, for an adverse event's parts, by
the event's sequence number within the subject, as SDTM's AESEQ).

What a sponsor does not receive is declared once, in `core.sponsor_share` (free text and
references to people), for the API and every export alike (docs/spec/contract.md §6,
CON-ROLE-04).
"""

from dataclasses import dataclass

from django.db import models

from casebook.crfs import CRFS
from core.sponsor_share import withheld_from_sponsor
from exports.specs import FieldSpec, FormSpec
from safety.models import DltAdjudication

TECHNICAL = frozenset({"id", "created_at", "updated_at", "row_version", "voided_at",
                       "voided_by", "void_reason", "patient", "adverse_event"})
# What a foreign key is exported as: the related row's code.
RELATED_CODE = {"dose_level": "code", "signed_by": "username", "raised_by": "username",
                "assessed_by": "username", "record_type": "model"}
# Forms of which a patient (or an adverse event) has at most one current record.
SINGLE = frozenset({"patient", "eligibility", "lymphodepletion", "hsct", "death", "crs", "icans",
                    "gvhd", "dlt-adjudication"})


@dataclass(frozen=True)
class CatalogEntry:
    spec: FormSpec
    model: type[models.Model]
    lookups: tuple[str, ...]  # the ORM path of each field of `spec`, in order


def _kind(field: models.Field) -> tuple[str, int | None]:
    if isinstance(field, models.BooleanField):
        return "boolean", None
    if isinstance(field, models.PositiveSmallIntegerField | models.SmallIntegerField):
        return "integer", 5
    if isinstance(field, models.IntegerField):
        return "integer", 10
    if isinstance(field, models.FloatField):
        return "float", None
    if isinstance(field, models.DateTimeField):
        return "datetime", None
    if isinstance(field, models.DateField):
        return "date", None
    if isinstance(field, models.TimeField):
        return "time", None
    if isinstance(field, models.ForeignKey):
        target = field.related_model._meta.get_field(RELATED_CODE[field.name])
        return "text", target.max_length
    return "text", field.max_length


def _entry(slug: str, title: str, model, parent: str) -> CatalogEntry:
    fields, lookups = [], []
    for field in model._meta.concrete_fields:
        if field.name in TECHNICAL or (model._meta.model_name == "patient"
                                       and field.name == "subject_id"):
            continue
        kind, length = _kind(field)
        label = str(field.verbose_name)
        fields.append(FieldSpec(
            name=field.name, label=label[:1].upper() + label[1:], kind=kind, length=length,
            choices=tuple((str(v), str(text)) for v, text in field.choices or ()),
            sponsor=not withheld_from_sponsor(field)))
        code = RELATED_CODE.get(field.name)
        lookups.append(f"{field.name}__{code}" if code else field.name)
    spec = FormSpec(slug=slug, title=title, fields=tuple(fields), parent=parent,
                    repeating=slug not in SINGLE)
    return CatalogEntry(spec, model, tuple(lookups))


def export_catalog() -> tuple[CatalogEntry, ...]:
    """Every exported form, in casebook order."""
    entries = [_entry(crf.slug, crf.title, crf.model, crf.parent) for crf in CRFS.values()]
    entries.append(_entry("dlt-adjudication", "DLT adjudication", DltAdjudication,
                          "adverse_event"))
    return tuple(entries)
