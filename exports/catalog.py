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
from dosing.models import Donor, ProductLot
from exports.specs import FieldSpec, FormSpec
from safety.models import DltAdjudication

TECHNICAL = frozenset({"id", "created_at", "updated_at", "row_version", "voided_at",
                       "voided_by", "void_reason", "patient", "adverse_event"})
# What a foreign key is exported as: the related row's code.
RELATED_CODE = {"dose_level": "code", "lot": "lot_number", "signed_by": "username",
                "raised_by": "username", "donor": "donor_code", "released_for": "subject_id",
                "assessed_by": "username", "record_type": "model"}
# A foreign key to an adverse event is exported as the event's sequence number within the
# subject (`ae_seq`, as the event's own rows carry it): a medication's treated event.
AE_REFERENCES = frozenset({"treated_event"})
# Forms of which a patient (or an adverse event) has at most one current record.
SINGLE = frozenset({"patient", "eligibility", "disease-at-screening", "lymphodepletion", "hsct",
                    "death", "crs", "icans", "gvhd", "infection", "iec-hs", "dlt-adjudication"})


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
    if isinstance(field, models.ForeignKey) and field.name in AE_REFERENCES:
        return "integer", 5
    if isinstance(field, models.ForeignKey):
        target = field.related_model._meta.get_field(RELATED_CODE[field.name])
        return "text", target.max_length
    return "text", field.max_length


def _field_spec(field: models.Field, name: str | None = None) -> FieldSpec:
    kind, length = _kind(field)
    label = str(field.verbose_name)
    return FieldSpec(
        name=name or field.name, label=label[:1].upper() + label[1:], kind=kind, length=length,
        choices=tuple((str(v), str(text)) for v, text in field.choices or ()),
        sponsor=not withheld_from_sponsor(field))


def _entry(slug: str, title: str, model, parent: str) -> CatalogEntry:
    fields, lookups = [], []
    for field in model._meta.concrete_fields:
        if field.name in TECHNICAL or (model._meta.model_name == "patient"
                                       and field.name == "subject_id"):
            continue
        fields.append(_field_spec(field))
        code = RELATED_CODE.get(field.name)
        lookups.append(f"{field.name}__{code}" if code else field.attname)
    spec = FormSpec(slug=slug, title=title, fields=tuple(fields), parent=parent,
                    repeating=slug not in SINGLE)
    return CatalogEntry(spec, model, tuple(lookups))


# The donor's values a lot's row carries beside its code (the HLA typing withheld from sponsors).
LOT_DONOR_FIELDS = ("hla_typing", "hla_match", "eligibility_date")


def product_lot_entry() -> CatalogEntry:
    """The product lots, trial-level: one row per lot with its donor's values and the subject
    it is released for (`ExportData.reference`)."""
    entry = _entry("product-lot", "Product lot", ProductLot, "study")
    donor = [_field_spec(Donor._meta.get_field(name), f"donor_{name}")
             for name in LOT_DONOR_FIELDS]
    spec = FormSpec(slug=entry.spec.slug, title=entry.spec.title,
                    fields=(*entry.spec.fields, *donor), parent="study")
    return CatalogEntry(spec, ProductLot,
                        (*entry.lookups, *(f"donor__{name}" for name in LOT_DONOR_FIELDS)))


def donor_entry() -> CatalogEntry:
    """The donors, trial-level: one row per donor, those not yet linked to any lot included (a
    lot's row repeats its donor's values beside its code)."""
    return _entry("donor", "Donor", Donor, "study")


def export_catalog() -> tuple[CatalogEntry, ...]:
    """Every exported form, in casebook order."""
    entries = [_entry(crf.slug, crf.title, crf.model, crf.parent) for crf in CRFS.values()]
    entries.append(_entry("dlt-adjudication", "DLT adjudication", DltAdjudication,
                          "adverse_event"))
    return tuple(entries)
