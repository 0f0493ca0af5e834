"""Recorded values and records as a clinic reads them, not as the database stores them.

- choices by their label ("Peripheral blood", not "peripheral_blood"); booleans "Yes"/"No";
- numbers with their unit; cell counts in scientific notation ("5.0 × 10⁶ cells/kg");
- dates "12 Oct 2026", date-times with the time zone ("12 Oct 2026 14:05 UTC");
- a record by what it is: "Infusion 1, 12 Oct 2026", "W4 response assessment, 9 Nov 2026".
"""

import math
import re
from datetime import date, datetime

from django.utils import timezone
from django.utils.text import capfirst

from casebook.crfs import crf_of_model

DATE = "%-d %b %Y"
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")

# Units of the recorded numbers, by field name; a unit already given in the label's brackets
# ("viability (%)") is taken from there.
UNITS = {"cells_per_kg": "cells/kg", "total_cells": "cells", "car_copies_per_ug_gdna":
         "copies/µg gDNA", "car_t_cells_per_uL": "cells/µL", "days": "days"}
SCIENTIFIC = frozenset({"cells_per_kg", "total_cells"})
_BRACKETED_UNIT = re.compile(r"\s*\(([^)0-9–]*[^\s)0-9–][^)]*)\)$")


def show_date(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return f"{value.strftime(DATE)} {value:%H:%M} {value.tzname() or ''}".rstrip()
    if isinstance(value, date):
        return value.strftime(DATE)
    return str(value)


def scientific(value: float) -> str:
    """5000000.0 → "5.0 × 10⁶"."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    return f"{value / 10 ** exponent:.1f} × 10{str(exponent).translate(SUPERSCRIPT)}"


def label_and_unit(field) -> tuple[str, str]:
    """("Viability", "%") from a field labelled "viability (%)"."""
    label = str(field.verbose_name)
    unit = UNITS.get(field.name, "")
    found = _BRACKETED_UNIT.search(label)
    if found and not unit:
        unit, label = found.group(1), label[:found.start()]
    return capfirst(label), unit


def _number(value, unit: str, name: str) -> str:
    text = scientific(value) if name in SCIENTIFIC else (
        f"{value:g}" if isinstance(value, float) else str(value))
    if not unit:
        return text
    return f"{text} {unit}"


def display_raw(model, field_name: str, value) -> str:
    """A stored value of `model.field_name` (as the audit trail keeps it) as a reader sees it."""
    field = model._meta.get_field(field_name)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return show_date(value)
    if isinstance(value, int | float) and not field.is_relation:
        return _number(value, label_and_unit(field)[1], field_name)
    return str(value)


def display_value(record, field_name: str) -> str:
    """A record's field as a reader sees it; a related record by its own name."""
    if record._meta.get_field(field_name).is_relation:
        related = getattr(record, field_name)
        return "—" if related is None else str(related)
    # A value with a qualifier shows as it was entered ("<0.01"), as the model words it.
    if (as_recorded := getattr(record, f"{field_name}_as_recorded", None)) is not None:
        return as_recorded
    return display_raw(type(record), field_name, getattr(record, field_name))


def record_name(record) -> str:
    """What a person calls the record: its kind, its number or visit, its date."""
    model = type(record)
    name = model._meta.model_name
    crf = crf_of_model(model)
    title = crf.title if crf else capfirst(model._meta.verbose_name)
    on = next((getattr(record, f) for f in ("date", "onset_date", "start_date", "assessed_on",
                                            "collected_at", "contact_date", "signed_at")
               if hasattr(record, f) and getattr(record, f, None)), None)
    if isinstance(on, datetime):
        on = timezone.localtime(on).date()
    when = f", {show_date(on)}" if on else ""
    if name == "patient":
        return f"Patient {record.subject_id}"
    if name == "infusion":
        return f"Infusion {record.number}{when}"
    if name == "responseassessment":
        visit = record.visit if record.visit[-1].isdigit() else record.visit.capitalize()
        return f"{visit} response assessment{when}"
    if name == "pksample":
        return f"PK sample day {record.nominal_day}{when}"
    if name == "concomitantmedication":
        return f"{record.drug_name}{when}"
    if name == "adverseevent":
        return f"{record.term}, grade {record.grade}{when}"
    if hasattr(record, "adverse_event_id") and name != "dltadjudication":
        return f"{title} of {record_name(record.adverse_event)}"
    return f"{title}{when}"
