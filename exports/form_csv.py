"""One CSV per form: the current records with their subject ID, plus a data dictionary. Pure.

The trial-level product lots and donors (`ExportData.reference`) are `product_lots.csv` and
`donors.csv`, one row per lot or donor.

A monitor's export carries every field; a sponsor's leaves out the fields `FieldSpec.sponsor`
marks (free text and people's names, `exports.catalog`). Coded values are written as stored
(`CR`, `probable`), and `dictionary.csv` gives each code's meaning.
"""

from exports.formats import csv_bytes, csv_cell
from exports.specs import ExportData, FormSpec

DICTIONARY_HEADER = ("form", "field", "label", "type", "length", "codes")


def file_name(spec: FormSpec) -> str:
    return f"{spec.slug.replace('-', '_')}.csv"


def form_csv(spec: FormSpec, rows: list[dict], *, deidentified: bool, time_zone) -> bytes:
    """The form's records, one line each, key columns first."""
    columns = [*spec.key_columns, *(f.name for f in spec.visible_fields(deidentified))]
    return csv_bytes(columns, ([csv_cell(row[c], time_zone) for c in columns] for row in rows))


def dictionary_csv(forms: tuple[FormSpec, ...], *, deidentified: bool) -> bytes:
    """Every exported column with its label, type and codes ("CR=Complete remission; …")."""
    lines = []
    for spec in forms:
        for key in spec.key_columns:
            lines.append((spec.slug, key, {"subject_id": "Subject ID",
                                           "ae_seq": "Adverse event sequence number"}[key],
                          "text" if key == "subject_id" else "integer", "", ""))
        for f in spec.visible_fields(deidentified):
            codes = "; ".join(f"{value}={label}" for value, label in f.choices)
            lines.append((spec.slug, f.name, f.label, f.kind, f.length or "", codes))
    return csv_bytes(DICTIONARY_HEADER, lines)


def forms_files(data: ExportData, *, deidentified: bool) -> dict[str, bytes]:
    """File name → content: one CSV per form and `dictionary.csv`."""
    files = {file_name(spec): form_csv(spec, data.rows[spec.slug], deidentified=deidentified,
                                       time_zone=data.time_zone)
             for spec in data.forms}
    for spec, rows in data.reference:  # the trial's lots and donors: one row each, no subject
        files[file_name(spec).replace(".csv", "s.csv")] = form_csv(
            spec, rows, deidentified=deidentified, time_zone=data.time_zone)
    reference = tuple(spec for spec, _rows in data.reference)
    files["dictionary.csv"] = dictionary_csv((*data.forms, *reference), deidentified=deidentified)
    return files
