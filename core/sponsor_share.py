"""What a sponsor receives of the trial's records: one declaration, read by every sponsor channel.

The sponsor's share is pseudonymised, not anonymised: it carries what an analysis and an SDTM
submission need, keyed by the subject's code, and leaves out what could name a person.

Sent: the pseudonymous subject ID; coded values; numbers; the dates of clinical events as they
were recorded (consent, enrolment, infusion, onset, assessment, off study: SDTM's RFICDTC,
RFSTDTC, DSSTDTC need them, and a study day or a survival time cannot be computed without them);
the CTCAE term (a MedDRA term, the sponsor's AE listings need it); the product lot (a code the
sponsor's own manufacturing assigns; SDTM's EXLOT), the lot's donor code and the donor's HLA
match to the recipient ("5/10", a count, not a tissue type).

Withheld: every free text a person types (a `TextField`, or a `CharField` without a vocabulary
that is not one of the codes above: narratives, reasons, rationales, the relapse site, the donor
type, a past condition, a regimen or a CAR-T product as typed, the consent version, the
off-study reason's words, a donor's HLA typing) and every reference to a person (a user account,
a printed name),
because free text may name someone (docs/spec/contract.md §6, CON-ROLE-04: "never free text
that may hold identifying details").

The API's listings (`api.serializers`), the forms CSV and ODM-XML (`exports.catalog`)
and the SDTM datasets (`exports.sdtm`) all ask `withheld_from_sponsor`; a test compares what each
channel actually sends, field by field.
"""

from django.conf import settings
from django.db import models

from core.fields import PartialDateField

# Text without a vocabulary that holds a code, not prose.
CODED_TEXT = frozenset({"subject_id", "term", "product_lot", "lot_number", "donor_code",
                        "hla_match"})
# A person's name is identifying even though it is not free text.
IDENTIFYING = frozenset({"signer_printed_name"})
# Models of which a sponsor receives only these fields: of a protocol deviation, what it is, when,
# and the investigator's assessment; not the site's words, the check or the record it is on.
ONLY_SHARED = {"monitoring.protocoldeviation": frozenset({"id",
    "category", "deviation_date", "identified_on", "important", "impact_on_safety",
    "impact_on_data", "assessed_at"})}


def withheld_from_sponsor(field: models.Field) -> bool:
    """Whether a sponsor's share leaves this model field out (module docstring)."""
    only = ONLY_SHARED.get(field.model._meta.label_lower)
    if only is not None:
        return field.name not in only
    if field.name in IDENTIFYING or isinstance(field, models.TextField):
        return True
    if isinstance(field, PartialDateField):  # a date as recorded (YYYY[-MM[-DD]]), not prose
        return False
    if isinstance(field, models.ForeignKey):
        return field.related_model._meta.label == settings.AUTH_USER_MODEL
    if isinstance(field, models.CharField):
        return not (field.choices or field.name in CODED_TEXT)
    return False


def withheld_fields(model: type[models.Model]) -> frozenset[str]:
    """The names of `model`'s fields a sponsor's share leaves out."""
    return frozenset(f.name for f in model._meta.concrete_fields if withheld_from_sponsor(f))
