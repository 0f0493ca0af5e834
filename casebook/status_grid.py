"""Where work stands: every expected form of a patient, per visit, and every log form, each with
its state — as REDCap's record status dashboard and Rave's subject matrix show it.

States, one per cell (the first that applies, in this order, is the one shown and counted):

The visits run from screening through M12 and the long-term follow-up years Y2 … Y15
(`patients.schedule.LTFU_VISITS`), each year's reduced form due in its window.

- for a form not entered: `overdue` (its window closed: late or missed), `missing` (due now, or
  expected with no window: eligibility, lymphodepletion, infusion 1), `upcoming` (its window has
  not opened) or `not_expected` (the patient died or went off study first);
- for an entered form: `query_open` (a query awaits the site), `query_answered` (an answer awaits
  the monitor), `changed` (edited since a monitor verified it), `signed` (covered by the
  investigator's casebook signature and unchanged since), `locked`, `verified`, else `entered`.

A cell also carries the other facts that hold (a signed form is usually verified and locked too).

Reads, whatever the trial's size: on the casebook page two queries beside the records the page
already has (form reviews, outstanding queries); on the patient list, for a page of patients,
three (every record in one UNION ALL, form reviews, outstanding queries) and one for signatures.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import CharField, DateField, F, Value
from django.db.models.functions import Cast, TruncDate
from django.urls import reverse
from django.utils import timezone

from dosing.models import Infusion, Lymphodepletion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from labs.models import LabResult
from monitoring.models import OUTSTANDING, DataQuery, FormReview, ProtocolDeviation, QueryStatus
from patients.models import (
    BridgingTherapy,
    DiseaseAtScreening,
    EligibilityAssessment,
    FollowUpContact,
    LtfuVisit,
    MedicalHistory,
    Patient,
    PriorTherapy,
    VitalSigns,
)
from patients.schedule import LTFU_VISITS, PK_SAMPLES, RCL_TESTS, RESPONSE_VISITS
from pk.models import PkSample
from safety.models import AdverseEvent, ConcomitantMedication, RclTest, SecondaryMalignancy

# The states, in the order the legend and the patient list show them.
STATES = (
    ("overdue", "Overdue"), ("missing", "Missing"), ("upcoming", "Upcoming"),
    ("entered", "Entered"), ("query_open", "Query open"),
    ("query_answered", "Query answered"), ("verified", "Verified"),
    ("changed", "Changed since verification"), ("locked", "Locked"), ("signed", "Signed"),
    ("not_expected", "Not expected"),
)
STATE_LABELS = dict(STATES)
# The states a monitor or coordinator has work on, counted first on the patient list.
TO_DO = ("overdue", "missing", "query_open", "query_answered", "changed")

# (slug, model, key field) of every form the grid shows; the key places a record in its visit.
GRID_FORMS = (
    ("patient", Patient, None), ("eligibility", EligibilityAssessment, None),
    ("disease-at-screening", DiseaseAtScreening, None), ("medical-history", MedicalHistory, None),
    ("prior-therapy", PriorTherapy, None), ("bridging-therapy", BridgingTherapy, None),
    ("lymphodepletion", Lymphodepletion, None), ("infusion", Infusion, "number"),
    ("response", ResponseAssessment, "visit"), ("pk-sample", PkSample, "nominal_day"),
    ("adverse-event", AdverseEvent, None), ("disease-event", DiseaseEvent, None),
    ("hsct", Hsct, None), ("death", Death, None), ("follow-up", FollowUpContact, None),
    ("lab-result", LabResult, None),
    ("conmed", ConcomitantMedication, None),
    ("rcl-test", RclTest, "timepoint"), ("secondary-malignancy", SecondaryMalignancy, None),
    ("vital-signs", VitalSigns, None),
    ("protocol-deviation", ProtocolDeviation, None), ("ltfu-visit", LtfuVisit, "visit"),
)
_DATE_FIELD = {Patient: "consent_date", EligibilityAssessment: "assessed_on",
               Lymphodepletion: "start_date", Infusion: "date", ResponseAssessment: "date",
               PkSample: "collected_at", AdverseEvent: "onset_date", DiseaseEvent: "date",
               Hsct: "date", Death: "date", FollowUpContact: "contact_date",
               LabResult: "collected_at", ConcomitantMedication: "start_date",
               RclTest: "sample_date", SecondaryMalignancy: "diagnosis_date",
               DiseaseAtScreening: "assessed_on", BridgingTherapy: "start_date",
               VitalSigns: "measured_at", ProtocolDeviation: "deviation_date",
               LtfuVisit: "contact_date",
               # dated in part (YYYY[-MM[-DD]]) or not at all: no date in the grid
               MedicalHistory: None, PriorTherapy: None}
_DATETIME_FIELDS = frozenset({"collected_at", "measured_at"})
# (slug, row title, one record's name) of the log forms, rows after the visits.
LOGS = (("medical-history", "Medical history", "Medical history"),
        ("prior-therapy", "Prior therapies", "Prior therapy"),
        ("bridging-therapy", "Bridging therapies", "Bridging therapy"),
        ("vital-signs", "Vital signs", "Vital signs"),
        ("adverse-event", "Adverse events", "Adverse event"),
        ("conmed", "Concomitant medications", "Concomitant medication"),
        ("disease-event", "Relapse or progression", "Relapse or progression"),
        ("hsct", "HSCT", "HSCT"), ("death", "Death", "Death"),
        ("secondary-malignancy", "Secondary malignancies", "Secondary malignancy"),
        ("follow-up", "Follow-up contacts", "Follow-up contact"),
        ("lab-result", "Laboratory results", "Laboratory result"),
        ("protocol-deviation", "Protocol deviations", "Protocol deviation"))
_MODEL = {slug: model for slug, model, _key in GRID_FORMS}
_VISIT_OF_DAY = {w.target_day: w.key for w in RESPONSE_VISITS}


@dataclass(frozen=True)
class Rec:
    """What the grid needs of one record."""
    slug: str
    pk: int
    patient_id: int
    row_version: int
    updated_at: datetime
    key: str | None  # infusion number, visit code, PK nominal day or RCL timepoint, as text
    on: date | None


@dataclass
class Cell:
    form: str  # "W4 response assessment"
    state: str
    facts: list[str] = field(default_factory=list)  # further states that hold
    url: str = ""  # the record, or a new one of the form; "" when there is nothing to open
    on: date | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def describe(self) -> str:
        return ", ".join([self.label, *[STATE_LABELS[f] for f in self.facts]])


@dataclass
class GridRow:
    title: str
    cells: list[Cell]


@dataclass(frozen=True)
class Monitoring:
    """Per record (content type id, pk): the monitor's review and outstanding query states."""
    reviews: dict  # (model label, pk) -> (verified_row_version, locked)
    queries: dict  # (model label, pk) -> set of statuses
    signed_at: dict  # patient id -> datetime of the active casebook signature


def _ct_ids() -> dict[str, str]:
    """The key of each form's records in `Monitoring`: the model's label, as the content type
    names it (read by a join, so that no content-type cache, warm or cold, changes the page's
    number of queries)."""
    return {slug: model._meta.label_lower for slug, model, _k in GRID_FORMS}


_TYPE = ("record_type__app_label", "record_type__model")


def monitoring_of(patient_ids, signatures: dict) -> Monitoring:
    """Two queries: the form reviews and the outstanding queries of these patients."""
    reviews = {(f"{app}.{model}", pk): (version, locked is not None)
               for app, model, pk, version, locked in
               FormReview.objects.filter(patient_id__in=patient_ids).values_list(
                   *_TYPE, "record_id", "verified_row_version", "locked_at")}
    queries = defaultdict(set)
    for app, model, pk, status in DataQuery.objects.filter(
            patient_id__in=patient_ids, status__in=OUTSTANDING).values_list(
            *_TYPE, "record_id", "status"):
        queries[(f"{app}.{model}", pk)].add(status)
    return Monitoring(reviews, queries,
                      {pid: s.signed_at for pid, s in signatures.items()})


def _on(date_field: str | None):
    """The record's date as the grid's UNION reads it."""
    if date_field is None:
        return Value(None, output_field=DateField())
    if date_field in _DATETIME_FIELDS:
        return TruncDate(date_field)
    return Cast(F(date_field), DateField())


def records_of(patient_ids) -> list[Rec]:
    """Every current record of these patients in one query (UNION ALL over the forms)."""
    parts = []
    for slug, model, key in GRID_FORMS:
        on = _on(_DATE_FIELD[model])
        qs = (model.objects.filter(**({"pk__in": patient_ids} if model is Patient
                                      else {"patient_id__in": patient_ids}))
              .order_by()
              .values_list(Value(slug, output_field=CharField()), "pk",
                           F("pk") if model is Patient else F("patient_id"),
                           "row_version", "updated_at",
                           Cast(F(key), CharField()) if key else Value(None, CharField()),
                           on))
        parts.append(qs)
    union = parts[0].union(*parts[1:], all=True)
    return [Rec(slug, pk, pid, version, updated, key, on)
            for slug, pk, pid, version, updated, key, on in union]


def rec_of(slug: str, record) -> Rec:
    """A loaded record as the grid reads it (no query)."""
    model = _MODEL[slug]
    key = {"infusion": "number", "response": "visit", "pk-sample": "nominal_day",
           "rcl-test": "timepoint", "ltfu-visit": "visit"}.get(slug)
    date_field = _DATE_FIELD[model]
    on = getattr(record, date_field) if date_field else None
    if isinstance(on, datetime):
        on = timezone.localtime(on).date()
    return Rec(slug, record.pk, record.pk if model is Patient else record.patient_id,
               record.row_version, record.updated_at,
               None if key is None else str(getattr(record, key)), on)


def _entered_state(rec: Rec, ct: int, monitoring: Monitoring) -> tuple[str, list[str]]:
    facts = []
    verified_version, locked = monitoring.reviews.get((ct, rec.pk), (None, False))
    if verified_version is not None:
        facts.append("verified" if verified_version == rec.row_version else "changed")
    if locked:
        facts.append("locked")
    signed_at = monitoring.signed_at.get(rec.patient_id)
    if signed_at is not None and rec.updated_at <= signed_at:
        facts.append("signed")
    queries = monitoring.queries.get((ct, rec.pk), set())
    if QueryStatus.ANSWERED in queries:
        facts.insert(0, "query_answered")
    if QueryStatus.OPEN in queries:
        facts.insert(0, "query_open")
    order = ("query_open", "query_answered", "changed", "signed", "locked", "verified")
    for state in order:
        if state in facts:
            facts.remove(state)
            return state, facts
    return "entered", facts


class _Builder:
    def __init__(self, subject_id, records, monitoring, ct_ids, links):
        self.subject_id, self.monitoring, self.ct_ids, self.links = (
            subject_id, monitoring, ct_ids, links)
        # Every cell's link is under the casebook's URL: reversed once, not once per cell.
        self.base = reverse("patients:casebook", args=[subject_id]) if links else ""
        self.by_slug, self.by_key = defaultdict(list), {}
        for rec in sorted(records, key=lambda r: (r.on or date.min, r.pk)):
            self.by_slug[rec.slug].append(rec)
            self.by_key.setdefault((rec.slug, rec.key), rec)  # the first of a visit counts

    def _url(self, slug, pk=None):
        if not self.links:
            return ""
        return f"{self.base}{slug}/new/" if pk is None else f"{self.base}{slug}/{pk}/"

    def entered(self, form, rec) -> Cell:
        state, facts = _entered_state(rec, self.ct_ids[rec.slug], self.monitoring)
        return Cell(form, state, facts, self._url(rec.slug, rec.pk), rec.on)

    def absent(self, form, slug, state) -> Cell:
        url = self._url(slug) if state in ("missing", "overdue") else ""
        return Cell(form, state, [], url)

    def once(self, form, slug, expected: bool) -> list[Cell]:
        recs = self.by_slug.get(slug, [])
        if recs:
            return [self.entered(form, r) for r in recs]
        return [self.absent(form, slug, "missing" if expected else "not_expected")]

    def scheduled(self, form, slug, key, status) -> Cell:
        rec = self.by_key.get((slug, str(key)))
        if rec is not None:
            return self.entered(form, rec)
        state = {"late": "overdue", "missed": "overdue", "due": "missing",
                 "upcoming": "upcoming"}.get(status, "not_expected")
        return self.absent(form, slug, state)


def grid(patient, records: list[Rec], schedule, monitoring: Monitoring, *,
         today: date, links: bool = True) -> list[GridRow]:
    """The patient's rows: screening, lymphodepletion, infusion, then each visit (response
    assessment and the PK samples due that day), then the log forms. `schedule` is
    `visits.Schedule` (or None before the first infusion); `patient` is annotated as
    `selectors.patient_list` gives it."""
    b = _Builder(patient.subject_id, records, monitoring, _ct_ids(), links)
    ended = bool(getattr(patient, "death_date", None) or patient.off_study_date)
    enrolled = patient.enrollment_date is not None
    rows = [
        GridRow("Screening", b.once("Patient", "patient", True)
                + b.once("Eligibility", "eligibility", not ended)
                + b.once("Disease at screening", "disease-at-screening", not ended)),
        GridRow("Lymphodepletion", b.once("Lymphodepletion", "lymphodepletion",
                                          enrolled and not ended)),
    ]
    infusions = [b.entered(f"Infusion {r.key}", r) for r in b.by_slug.get("infusion", [])]
    if not infusions:
        expected = bool(b.by_slug.get("lymphodepletion")) and not ended
        infusions = [b.absent("Infusion 1", "infusion", "missing" if expected else
                              ("upcoming" if enrolled and not ended else "not_expected"))]
    day0 = schedule.day0 if schedule else None
    pk = {s.visit: s for s in schedule.pk_samples} if day0 else {}
    visits = {s.visit: s for s in schedule.visits} if day0 else {}
    pk_cell = {w.key: b.scheduled(f"PK day {w.key}", "pk-sample", w.key,
                                  pk[w.key].status if w.key in pk else "upcoming"
                                  if not ended else "not_expected") for w in PK_SAMPLES}
    rows.append(GridRow("Infusion (day 0)", infusions + [pk_cell[0]]))
    early = [pk_cell[w.key] for w in PK_SAMPLES if 0 < w.key < RESPONSE_VISITS[0].target_day]
    rows.append(GridRow("Days 1–21", early))
    for window in RESPONSE_VISITS:
        status = (visits[window.key].status if window.key in visits
                  else "upcoming" if not ended else "not_expected")
        cells = [b.scheduled(f"{window.key} response assessment", "response", window.key,
                             status)]
        cells += [pk_cell[w.key] for w in PK_SAMPLES
                  if _VISIT_OF_DAY.get(w.target_day) == window.key]
        rows.append(GridRow(window.key, cells))
    others = [r for r in b.by_slug.get("response", [])
              if r.key not in {w.key for w in RESPONSE_VISITS}]
    if others:
        rows.append(GridRow("Other assessments", [
            b.entered(f"{r.key.capitalize()} response assessment", r) for r in others]))
    rows.append(GridRow("RCL tests", _rcl_cells(b, schedule, ended)))
    if day0:
        rows += _ltfu_rows(b, schedule)
    for slug, title, noun in LOGS:
        recs = b.by_slug.get(slug, [])
        rows.append(GridRow(title, [b.entered(noun, r) for r in recs]))
    return rows


def _rcl_cells(b: _Builder, schedule, ended: bool) -> list[Cell]:
    """The RCL test timepoints up to the first not yet open or not expected (fifteen years of
    yearly tests are not shown from the first month on), and any recorded beyond it."""
    statuses = {s.visit: s.status for s in schedule.rcl_tests} if schedule and schedule.day0 \
        else {}
    cells = []
    for window in RCL_TESTS:
        status = statuses.get(window.key, "not_expected" if ended else "upcoming")
        cell = b.scheduled(f"{window.key} RCL test", "rcl-test", window.key, status)
        if cell.state in ("upcoming", "not_expected") and any(
                c.state == cell.state for c in cells):
            continue
        cells.append(cell)
    return cells


def _ltfu_rows(b: _Builder, schedule) -> list[GridRow]:
    """One row per long-term follow-up year, Y2 … Y15, once the patient is infused."""
    statuses = {s.visit: s.status for s in schedule.ltfu}
    return [GridRow(w.key, [b.scheduled(f"{w.key} long-term follow-up", "ltfu-visit", w.key,
                                        statuses.get(w.key, "not_expected"))])
            for w in LTFU_VISITS]


def counts(rows: list[GridRow]) -> dict[str, int]:
    """{state: cells in it} over the grid, upcoming and not expected left out."""
    found = defaultdict(int)
    for row in rows:
        for cell in row.cells:
            found[cell.state] += 1
    return {state: found[state] for state, _label in STATES
            if found[state] and state not in ("upcoming", "not_expected")}


def records_for_page(patient, sections) -> list[Rec]:
    """The grid's records from the casebook page's sections (already loaded: no query)."""
    slugs = {model: slug for slug, model, _key in GRID_FORMS}
    recs = [rec_of("patient", patient)]
    for section in sections:
        slug = slugs.get(section.model)
        if slug:
            recs += [rec_of(slug, record) for record, _values in section.rows]
    return recs
