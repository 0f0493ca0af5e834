"""What a CRF record page shows: its values with labels and units, and the values derived from
them (ASTCT grades, the response category) beside what was recorded."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from casebook import crfs
from casebook.display import display_raw, display_value, label_and_unit
from core.audit import field_changes
from dosing.selectors import first_infusion_dates
from efficacy.models import ResponseAssessment
from efficacy.selectors import derived_response
from labs.models import LabResult
from monitoring.reviews import review_trail
from patients.models import VITAL_VALUES, VitalSigns
from safety.dlt_rules import ae_kind
from safety.grading import LAB_TERMS, lab_grade
from safety.models import AdverseEvent, CrsDetails, GvhdDetails, IcansDetails
from safety.selectors import derived_crs_grade, derived_grades, derived_icans_grade
from safety.services import read_cytopenia_counts, rule_flags, safety_row_of


@dataclass(frozen=True)
class Derived:
    label: str
    value: str
    agrees: bool | None = None  # with the recorded value; None when there is nothing to compare


def record_facts(record, beside: dict | None = None) -> list[tuple]:
    """(label, value) for each field of the record's form, in the form's order; with `beside`
    ({field name: [items]}, e.g. its open queries), (name, label, value, items): the name is
    the anchor (`#field-<name>`) a query on the field links to."""
    crf = crfs.crf_of_model(type(record))
    facts = []
    for name in crf.form._meta.fields:
        label, _unit = label_and_unit(record._meta.get_field(name))
        fact = (label, display_value(record, name))
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
    if isinstance(record, LabResult):
        return _lab_grade(record)
    return []


def _lab_grade(result: LabResult) -> list[Derived]:
    """The CTCAE v5.0 grade of a laboratory result (docs/labs.md); nothing while the test or a
    sound value is not typed yet."""
    if result.test not in LAB_TERMS or result.value is None or result.value < 0:
        return []
    graded = lab_grade(result.test, result.value, low=result.ref_low, high=result.ref_high)
    return [Derived("Derived CTCAE v5.0 grade", "not graded: the reference limit it needs is "
                    "missing" if graded is None else graded.describe(LAB_TERMS[result.test]))]
EPISODE_VITALS = ("measured_at", "timepoint", *VITAL_VALUES, "oxygen_support")


def episode_vital_signs(record) -> dict | None:
    """For CRS details: the patient's vital signs measured from the event's onset to its
    resolution (to today while it goes on), as a table; None for any other record. One query."""
    if not isinstance(record, CrsDetails):
        return None
    event = record.adverse_event
    during = VitalSigns.objects.filter(patient_id=event.patient_id,
                                       measured_at__date__gte=event.onset_date)
    if event.resolution_date:
        during = during.filter(measured_at__date__lte=event.resolution_date)
    headers = [label_and_unit(VitalSigns._meta.get_field(n))[0] for n in EPISODE_VITALS]
    return {"headers": headers, "rows": [
        (vitals, [display_value(vitals, n) for n in EPISODE_VITALS]) for vitals in during]}


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
                            adverse_event.patient_id),
                        counts=read_cytopenia_counts([adverse_event.patient_id]))
    flags = rule_flags([row], today=timezone.localdate()).get(adverse_event.pk, [])
    return [Derived("DLT candidate", f"{flag.rule}: {flag.explanation}"
                    + (" (duration still pending)" if flag.duration_pending else ""))
            for flag in flags]


def adverse_event_parts(adverse_event) -> list[tuple[crfs.Crf, list, list]]:
    """The CRS, ICANS, GVHD, infection and IEC-HS details of one adverse event, by CRF, the
    current ones and those voided (still readable): one query each. A kind of details is offered
    only when the event's term is of that kind (`safety.dlt_rules.ae_kind`, the kind spelt as
    the CRF's slug: CRS details for "Cytokine release syndrome", IEC-HS details for "Immune
    effector cell-associated HLH-like syndrome", infection details for "Sepsis"); details
    already recorded are always shown, whatever the term now says."""
    kind = ae_kind(adverse_event.term).replace("_", "-")
    parts = []
    for crf in crfs.AE_DETAILS:
        records = list(crf.model.all_objects.filter(adverse_event=adverse_event))
        if crf.slug != kind and not records:
            continue
        parts.append((crf, [r for r in records if not r.is_voided],
                      [r for r in records if r.is_voided]))
    return parts


def readable_trail(record, form_fields=None) -> list[dict]:
    """The record's audit trail as people read it, newest first: field labels, values with their
    labels and units, the initial values on the "created" row, and the monitor's source-data
    verifications, locks and unlocks of the record (its `FormReview`'s history) beside the edits.
    Two queries, and one per foreign key the trail shows (a dose level by its name).
    `form_fields`: the fields shown, for a record that is not a CRF's (default: its CRF's)."""
    model = type(record)
    form_fields = set(form_fields or crfs.crf_of_model(model).form._meta.fields)
    entries = []
    for entry in field_changes(record):
        changes = entry["changes"]
        if entry["type"] == "created":
            changes = [{"field": name, "old": None, "new": value}
                       for name, value in entry.get("initial", {}).items()
                       if name in form_fields]
        entries.append((entry, [c for c in changes if _shown(model, c["field"])]))
    related = _related_names(model, [c for _, changes in entries for c in changes])

    def shown(name, value):
        if value is not None and name in related:
            return related[name].get(value, f"{value} (no longer on record)")
        return display_raw(model, name, value)

    trail = [{**entry, "changes": [
        {"label": label_and_unit(model._meta.get_field(c["field"]))[0],
         "old": shown(c["field"], c["old"]), "new": shown(c["field"], c["new"])}
        for c in changes]} for entry, changes in entries]
    for review in review_trail(record):
        trail.append({"when": review.history_date, "type": _review_event(review),
                      "who": review.history_user.get_username() if review.history_user else None,
                      "reason": review.history_change_reason, "changes": []})
    return sorted(trail, key=lambda e: e["when"], reverse=True)


def _related_names(model, changes: list[dict]) -> dict[str, dict]:
    """The names of the records a trail's foreign keys point to (a dose level by its code and
    dose, not its stored id), by field and stored id: one query per foreign key changed."""
    ids: dict[str, set] = {}
    for c in changes:
        if model._meta.get_field(c["field"]).many_to_one:
            ids.setdefault(c["field"], set()).update(
                v for v in (c["old"], c["new"]) if v is not None)
    names = {}
    for name, wanted in ids.items():
        related_model = model._meta.get_field(name).related_model
        found = related_model._base_manager.in_bulk(wanted)
        # the trail may keep the id as text (JSON): match either spelling
        names[name] = {key: str(obj) for pk, obj in found.items() for key in (pk, str(pk))}
    return names


def _shown(model, name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.editable and not field.auto_created and name != "row_version"


def _review_event(review) -> str:
    reason = (review.history_change_reason or "")
    if reason.startswith("source verified"):
        return "source data verified"
    if reason.startswith("unlocked"):
        return "unlocked"
    return "locked" if reason.startswith("locked") else "monitor review"
