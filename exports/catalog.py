"""The forms the exports carry, described from the models themselves (no database access).

Every CRF of the browser EDC (`patients.crfs.CRFS`) plus the investigators' DLT adjudications.
Technical columns (ids, row versions, save times, void marks) are left out: only current records
are exported, and a record says whose it is by subject ID (and, for an adverse event's parts, by
the event's sequence number within the subject, as SDTM's AESEQ).

What a sponsor does not receive (docs/spec/contract.md §6, CON-ROLE-04: "never free text that may
hold identifying details"): every free-text field (a `TextField`, or a `CharField` without a
vocabulary, except the coded ones in `CODED_TEXT`) and every reference to a person (a user account,
a printed name).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models

from patients.crfs import CRFS
from safety.models import DltAdjudication

from .specs import FieldSpec, FormSpec

# Text fields that hold codes rather than prose: the pseudonymous subject ID, the CTCAE term
# (a MedDRA lowest-level term, the sponsor's AE listings need it) and the product lot.
CODED_TEXT = frozenset({"subject_id", "term", "product_lot"})
# A person's name is identifying even when it is not free text.
IDENTIFYING = frozenset({"signer_printed_name"})
TECHNICAL = frozenset({"id", "created_at", "updated_at", "row_version", "voided_at",
                       "voided_by", "void_reason", "patient", "adverse_event"})
# What a foreign key is exported as: the related row's code.
RELATED_CODE = {"dose_level": "code", "signed_by": "username", "raised_by": "username"}
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


def _for_sponsor(field: models.Field) -> bool:
    if field.name in IDENTIFYING or isinstance(field, models.TextField):
        return False
    if isinstance(field, models.ForeignKey):
        return field.related_model._meta.label != settings.AUTH_USER_MODEL
    if isinstance(field, models.CharField):
        return bool(field.choices) or field.name in CODED_TEXT
    return True


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
            sponsor=_for_sponsor(field)))
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
