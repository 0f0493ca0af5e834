"""What a CRF record page shows: its values with labels and units, and the values derived from
them (ASTCT grades, the response category) beside what was recorded."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import capfirst

from casebook import crfs
from dosing.selectors import first_infusion_dates
from efficacy.models import ResponseAssessment
from efficacy.selectors import derived_response
from safety.models import AdverseEvent, CrsDetails, GvhdDetails, IcansDetails
from safety.selectors import derived_crs_grade, derived_grades, derived_icans_grade
from safety.services import rule_flags, safety_row_of


@dataclass(frozen=True)
class Derived:
    label: str
    value: str
    agrees: bool | None = None  # with the recorded value; None when there is nothing to compare


def _display(record, field) -> str:
    value = getattr(record, field.name)
    # A value with a qualifier shows as it was entered ("<0.01"), as the model words it.
    if (as_recorded := getattr(record, f"{field.name}_as_recorded", None)) is not None:
        return as_recorded
    if value is None or value == "":
        return "—"
    if field.choices:
        return getattr(record, f"get_{field.name}_display")()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def record_facts(record, beside: dict | None = None) -> list[tuple]:
    """(label, value) for each field of the record's form, in the form's order; with `beside`
    ({field name: [items]}, e.g. its open queries), (name, label, value, items): the name is
    the anchor (`#field-<name>`) a query on the field links to."""
    crf = crfs.crf_of_model(type(record))
    facts = []
    for name in crf.form._meta.fields:
        field = record._meta.get_field(name)
        fact = (capfirst(field.verbose_name), _display(record, field))
        facts.append(fact if beside is None else (name, *fact, beside.get(name, [])))
    return facts


def derived_values(record) -> list[Derived]:
    """The derivations that apply to this record, each with whether it agrees with the CRF."""
    if isinstance(record, CrsDetails):
        graded = derived_crs_grade(record)
        return [Derived("Derived ASTCT CRS grade", graded.describe("CRS"),
                        graded.grade == record.adverse_event.grade)]
    if isinstance(record, IcansDetails):
        graded = derived_icans_grade(record)
        return [Derived("Derived ASTCT ICANS grade", graded.describe("ICANS"),
                        graded.grade == record.adverse_event.grade)]
    if isinstance(record, AdverseEvent):
        if record.pk is None:
            return []  # no details graded yet
        return [Derived(f"Derived ASTCT {name} grade", graded.describe(name),
                        graded.grade == record.grade) for name, graded in derived_grades(record)]
    if isinstance(record, ResponseAssessment):
        derived = derived_response(record)
        return [Derived("Derived response", f"{derived.category}: {derived.reason}",
                        derived.category == record.response)]
    return []


def _saved(manager_of, adverse_event):
    return manager_of.filter(adverse_event=adverse_event).first() if adverse_event.pk else None


def dlt_preview(record) -> list[Derived]:
    """The DLT candidates the protocol's rules (D1–D6) would raise if this adverse event, or its
    CRS or ICANS details, were saved as typed: the row the recompute builds and the rules it
    runs, nothing saved. A few queries (the first infusion, the event's other details, the
    study settings)."""
    if isinstance(record, AdverseEvent):
        adverse_event = record
    elif isinstance(record, CrsDetails | IcansDetails):
        adverse_event = record.adverse_event
    else:
        return []
    if adverse_event.grade is None or not adverse_event.relatedness:
        return []
    crs = record if isinstance(record, CrsDetails) else _saved(CrsDetails.objects, adverse_event)
    icans = (record if isinstance(record, IcansDetails)
             else _saved(IcansDetails.objects, adverse_event))
    row = safety_row_of(adverse_event, crs=crs, icans=icans,
                        gvhd=_saved(GvhdDetails.objects, adverse_event),
                        day0=first_infusion_dates([adverse_event.patient_id]).get(
                            adverse_event.patient_id))
    flags = rule_flags([row], today=timezone.localdate()).get(adverse_event.pk, [])
    return [Derived("DLT candidate", f"{flag.rule}: {flag.explanation}"
                    + (" (duration still pending)" if flag.duration_pending else ""))
            for flag in flags]


def adverse_event_parts(adverse_event) -> list[tuple[crfs.Crf, list, list]]:
    """The CRS, ICANS and GVHD details of one adverse event, by CRF, the current ones and those
    voided (still readable): one query each."""
    parts = []
    for crf in crfs.AE_DETAILS:
        records = list(crf.model.all_objects.filter(adverse_event=adverse_event))
        parts.append((crf, [r for r in records if not r.is_voided],
                      [r for r in records if r.is_voided]))
    return parts
