"""What an export knows of a case report form: its fields, their types, vocabularies and whether a
sponsor may receive them. Frozen data, built from the models by `exports.catalog`; the builders
read only this. Pure: imports nothing from Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# The adverse-event form: its records are numbered within the subject, and its parts (CRS, ICANS
# and GVHD details, the DLT adjudication) refer to them by that number.
ADVERSE_EVENT = "adverse-event"
KINDS = ("text", "integer", "float", "date", "datetime", "time", "boolean")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str  # one of KINDS
    length: int | None = None  # maximum characters of a text, digits of an integer
    choices: tuple[tuple[str, str], ...] = ()  # (stored value, label)
    sponsor: bool = True  # False: free text or identifying, withheld from sponsors

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class FormSpec:
    slug: str  # as in the CRF URLs: "adverse-event", "pk-sample"
    title: str
    fields: tuple[FieldSpec, ...]
    parent: str = "patient"  # or "adverse_event"; "study": trial-level data, no subject
    repeating: bool = True  # False: at most one current record per patient (or per AE)

    def visible_fields(self, deidentified: bool) -> tuple[FieldSpec, ...]:
        """The fields an export carries: all of them, or a sponsor's share."""
        return tuple(f for f in self.fields if f.sponsor or not deidentified)

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The columns that say whose record a row is: the subject, and the AE it belongs to."""
        if self.parent == "study":
            return ()
        numbered = self.parent == "adverse_event" or self.slug == ADVERSE_EVENT
        return ("subject_id", "ae_seq") if numbered else ("subject_id",)


@dataclass(frozen=True)
class ExportData:
    """Everything the exports read, loaded once (`exports.loader.load_export_data`).

    `rows[slug]` holds each current (not voided) record of a form as a dict: the key columns
    (`subject_id`; `ae_seq`, the adverse event's sequence number within the subject, for an AE's
    parts and the AE itself) and every field of the form's spec, None where missing (a blank
    text included). `assessments` pairs each response assessment with the category the rules
    derive; `trial` is the endpoint loader's `TrialData`.
    """

    study_id: str
    study_title: str
    forms: tuple[FormSpec, ...]
    rows: dict[str, list[dict]]
    assessments: list[dict]
    trial: object  # endpoints.trial_data.TrialData
    time_zone: object  # a tzinfo: datetimes are written in the study's time zone
    country: str | None = None  # the site's country, ISO 3166-1 alpha-3 (SDTM DM.COUNTRY)
    lloq: dict[str, float] = field(default_factory=dict)  # PK analyte → the assay's LLOQ
    # Trial-level master data, no subject's (the RD13-02 product lots, their donors): spec, rows.
    reference: tuple[tuple[FormSpec, list[dict]], ...] = field(default=())

    def sponsor_share(self) -> ExportData:
        """The same data with every field a sponsor does not receive blanked (None), so that
        an export built from it cannot carry one, whatever it derives."""
        rows = {}
        for spec in self.forms:
            withheld = [f.name for f in spec.fields if not f.sponsor]
            rows[spec.slug] = [{**row, **dict.fromkeys(withheld)} for row in self.rows[spec.slug]]
        reference = tuple((spec, [{**row, **dict.fromkeys(f.name for f in spec.fields
                                                         if not f.sponsor)} for row in rows_of])
                          for spec, rows_of in self.reference)
        return replace(self, rows=rows, reference=reference)
