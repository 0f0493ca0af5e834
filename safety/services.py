"""Safety glue: adverse events with their details read in a fixed number of queries, the ASTCT
grades derived from the details, and the DLT candidates the protocol's rules raise.

Call path: recompute (`endpoints.snapshots`, which reads the rows once for everything) or the
command → `dlt_candidates_reconcile` → `safety.dlt_rules.dlt_flags` (pure); data review →
`safety_rows` + `safety.grading` (pure).
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from core.audit import record_save, system_user
from core.bulk_history import BATCH, insert_history, insert_with_history
from core.fast_reads import values_rows
from core.models import Study
from core.text_validators import required_text
from labs.models import CYTOPENIA_TESTS, LabResult
from patients.schedule import study_day
from safety.dlt_rules import AeFacts, DltFlag, ae_kind, dlt_flags, dlt_settings_from
from safety.grading import Graded, derive_grade, findings_fields, lab_grade
from safety.iec_hs_labs import LabValue
from safety.models import AdverseEvent, CrsDetails, DltCandidate, DltRule, GvhdDetails, IcansDetails

RULES_REASON = "DLT rules re-evaluated"
NO_LONGER_REASON = "the DLT rules no longer flag this event"


class SafetyRow(NamedTuple):
    """One adverse event with what the rules read of it (a named tuple: one per AE of the trial
    on every recompute)."""

    ae_id: int
    subject_id: str
    term: str
    grade: int
    onset_date: date
    resolution_date: date | None
    relatedness: str
    serious: bool
    site_aware_at: object
    sponsor_reported_at: object
    day0: date | None
    crs: Graded | None
    icans: Graded | None
    gvhd_magic_grade: int | None
    # (collection date, CTCAE grade) of the patient's counts of this AE's kind (ANC for a
    # neutropenia, platelets for a thrombocytopenia), in date order; () for other kinds.
    counts: tuple[tuple[date, int], ...] = ()

    def facts(self) -> AeFacts:
        day0, resolution = self.day0, self.resolution_date
        counts = () if day0 is None else tuple((study_day(day0, on), grade)
                                               for on, grade in self.counts)
        return AeFacts(
            term=self.term, grade=self.grade,
            onset_day=None if day0 is None else study_day(day0, self.onset_date),
            relatedness=self.relatedness,
            resolution_day=None if day0 is None or resolution is None else study_day(
                day0, resolution),
            crs_grade=self.crs.grade if self.crs else None,
            icans_grade=self.icans.grade if self.icans else None,
            gvhd_magic_grade=self.gvhd_magic_grade, kind=ae_kind(self.term),
            cytopenia_counts=counts)


class GradedCount(NamedTuple):
    """One current ANC or platelet count, graded by CTCAE v5.0 (`safety.grading.lab_grade`)."""

    patient_id: int
    subject_id: str
    kind: str  # the AE kind it grades: "neutropenia" or "thrombocytopenia"
    on: date  # the collection date, in the study's time zone
    graded: Graded


def read_lab_values(tests, patient_ids=None) -> list[LabValue]:
    """Every current result of `tests` (of `patient_ids`, or of the trial), in patient and
    collection order: one query."""
    results = (LabResult.objects.of_current_parents()
               .filter(test__in=list(tests)).order_by("patient_id", "collected_at", "pk"))
    if patient_ids is not None:
        results = results.filter(patient_id__in=patient_ids)
    return [LabValue(patient_id, subject_id, test, timezone.localtime(collected_at).date(),
                     value, ref_low, ref_high)
            for patient_id, subject_id, test, collected_at, value, ref_low, ref_high in
            values_rows(results, "patient_id", "patient__subject_id", "test", "collected_at",
                        "value", "ref_low", "ref_high")]


def graded_counts_of(labs: list[LabValue]) -> list[GradedCount]:
    """The ANC and platelet counts among `labs`, graded, in their order."""
    return [GradedCount(lab.patient_id, lab.subject_id, CYTOPENIA_TESTS[lab.test], lab.on,
                        lab_grade(lab.test, lab.value, low=lab.ref_low))
            for lab in labs if lab.test in CYTOPENIA_TESTS]


def read_cytopenia_counts(patient_ids=None) -> list[GradedCount]:
    """Every current ANC and platelet count (of `patient_ids`, or of the trial), graded, in
    patient and collection order: one query."""
    return graded_counts_of(read_lab_values(CYTOPENIA_TESTS, patient_ids))


def counts_by_kind(counts: list[GradedCount]) -> dict[tuple[int, str], tuple]:
    """{(patient id, kind): ((date, grade), …)} in the counts' order."""
    grouped: dict[tuple[int, str], list] = {}
    for count in counts:
        grouped.setdefault((count.patient_id, count.kind), []).append(
            (count.on, count.graded.grade))
    return {key: tuple(value) for key, value in grouped.items()}


# The columns of one AE as the safety rows read them (`read_adverse_events`).
class AdverseEventRecord(NamedTuple):
    """One current adverse event as the whole-trial reads take it (`read_adverse_events`)."""

    id: int
    patient_id: int
    subject_id: str
    term: str
    grade: int
    onset_date: date
    resolution_date: date | None
    relatedness: str
    serious: bool
    site_aware_at: datetime | None
    sponsor_reported_at: datetime | None


# The columns of an AdverseEventRecord, in its order.
AE_COLUMNS = ("pk", "patient_id", "patient__subject_id", "term", "grade", "onset_date",
              "resolution_date", "relatedness", "serious", "site_aware_at", "sponsor_reported_at")


@dataclass(frozen=True)
class GradedDetails:
    """The details rows of every AE, graded: CRS and ICANS grades and the MAGIC GVHD grade."""

    crs: dict[int, Graded]
    icans: dict[int, Graded]
    gvhd_magic_grade: dict[int, int | None]


def _graded(model, condition: str) -> dict[int, Graded]:
    """Derived grade per AE id, from the details rows read without model instances."""
    names = findings_fields(condition)
    return {ae_id: derive_grade(condition, dict(zip(names, values, strict=True)))
            for ae_id, *values in values_rows(model.objects.all(), "adverse_event_id", *names)}


def read_graded_details() -> GradedDetails:
    """Three queries at any size."""
    return GradedDetails(
        crs=_graded(CrsDetails, "CRS"),
        icans=_graded(IcansDetails, "ICANS"),
        gvhd_magic_grade=dict(values_rows(GvhdDetails.objects.all(), "adverse_event_id",
                                          "magic_grade")))


def read_adverse_events(cutoff: date | None = None) -> list[AdverseEventRecord]:
    """Every current AE (onset ≤ cutoff) of a current patient, ordered by subject and onset."""
    events = AdverseEvent.objects.of_current_parents().order_by("patient__subject_id",
                                                                "onset_date", "pk")
    if cutoff is not None:
        events = events.filter(onset_date__lte=cutoff)
    return values_rows(events, *AE_COLUMNS, row=AdverseEventRecord)


def safety_rows_of(ae_rows: list[AdverseEventRecord], details: GradedDetails,
                   day0: dict[int, date], counts: list[GradedCount] = ()) -> list[SafetyRow]:
    """`SafetyRow`s from `read_adverse_events` rows, the graded details, each day 0 and the
    graded counts (`read_cytopenia_counts`), which D5 reads for recovery."""
    crs, icans, gvhd = details.crs, details.icans, details.gvhd_magic_grade
    by_kind = counts_by_kind(list(counts))
    return [
        SafetyRow(pk, subject_id, term, grade, onset, resolution, relatedness, serious, aware,
                  reported, day0.get(patient_id), crs.get(pk), icans.get(pk), gvhd.get(pk),
                  by_kind.get((patient_id, ae_kind(term)), ()))
        for pk, patient_id, subject_id, term, grade, onset, resolution, relatedness, serious,
        aware, reported in ae_rows
    ]


def safety_row_of(adverse_event: AdverseEvent, *, crs: CrsDetails | None,
                  icans: IcansDetails | None, gvhd: GvhdDetails | None,
                  day0: date | None, counts: list[GradedCount] = ()) -> SafetyRow:
    """One adverse event and its details as they stand in memory (saved, or typed and not yet
    saved): the row the recompute would build of them, by the same code (the subject ID left
    blank: the rules do not read it)."""
    ae_id = adverse_event.pk
    details = GradedDetails(
        crs={ae_id: derive_grade("CRS", vars(crs))} if crs else {},
        icans={ae_id: derive_grade("ICANS", vars(icans))} if icans else {},
        gvhd_magic_grade={ae_id: gvhd.magic_grade} if gvhd else {})
    row = (ae_id, adverse_event.patient_id, "",
           *(getattr(adverse_event, column) for column in AE_COLUMNS[3:]))
    return safety_rows_of([row], details, {adverse_event.patient_id: day0}, counts)[0]


def rule_flags(rows: list[SafetyRow], *, today: date,
               study: Study | None = None) -> dict[int, list[DltFlag]]:
    """The DLT rules' flags per AE id (only AEs that are flagged)."""
    settings = dlt_settings_from(study or Study.load())
    flagged = {}
    for row in rows:
        as_of_day = study_day(row.day0, today) if row.day0 else None
        flags = dlt_flags(row.facts(), settings, as_of_day=as_of_day)
        if flags:
            flagged[row.ae_id] = flags
    return flagged


@dataclass(frozen=True)
class Reconciled:
    """What `dlt_candidates_reconcile` did, and every current candidate after it, as
    (adverse event id, rule) pairs sorted by rule: the rules' and the investigators'."""

    counts: dict[str, int]
    candidates: list[tuple[int, str]]


@transaction.atomic
def _wanted_candidates(rows: list[SafetyRow], *, today: date,
                       study: Study | None) -> dict[tuple[int, str], DltFlag]:
    return {(ae_id, f.rule): f
            for ae_id, flags in rule_flags(rows, today=today, study=study).items()
            for f in flags}


def _recorded_candidates() -> tuple[dict[tuple[int, str], tuple], list[tuple[int, str]]]:
    """The current candidates: the rules' by (AE id, rule) → (pk, explanation, pending), and
    the investigators' (AE id, rule) pairs. One query."""
    raised_by_rules, raised_by_people = {}, []
    for pk, ae_id, rule, raised_by, explanation, pending in values_rows(
            DltCandidate.objects.all(), "pk", "adverse_event_id", "rule", "raised_by_id",
            "explanation", "duration_pending"):
        if raised_by is None:
            raised_by_rules[(ae_id, rule)] = (pk, explanation, pending)
        else:
            raised_by_people.append((ae_id, rule))
    return raised_by_rules, raised_by_people


def _sorted_candidates(wanted, raised_by_people) -> list[tuple[int, str]]:
    return sorted([*wanted, *raised_by_people], key=lambda pair: (pair[1], pair[0]))


def dlt_candidates_as_reconciled(rows: list[SafetyRow], *, today: date,
                                 study: Study | None = None) -> list[tuple[int, str]]:
    """The candidates `dlt_candidates_reconcile` would leave, computed without writing: the
    rules' flags now and the investigators' candidates on record. For reports computed for a
    reader, who must not change the trial's records by reading them."""
    _raised_by_rules, raised_by_people = _recorded_candidates()
    return _sorted_candidates(_wanted_candidates(rows, today=today, study=study),
                              raised_by_people)


def dlt_candidates_reconcile(rows: list[SafetyRow], *, today: date,
                             study: Study | None = None) -> Reconciled:
    """`dlt_candidates_sync`'s work, in a fixed number of queries whatever changed (the writes
    are in bulk), without scheduling anything."""
    wanted = _wanted_candidates(rows, today=today, study=study)
    raised_by_rules, raised_by_people = _recorded_candidates()
    system = system_user()
    new = [DltCandidate(adverse_event_id=ae_id, rule=rule, explanation=f.explanation[:300],
                        duration_pending=f.duration_pending)
           for (ae_id, rule), f in wanted.items() if (ae_id, rule) not in raised_by_rules]
    if new:
        insert_with_history(DltCandidate, new, user=system, reason=RULES_REASON,
                            when=timezone.now())
    # Model instances only for the candidates to write: usually none of thousands.
    gone = {pk for key, (pk, *_) in raised_by_rules.items() if key not in wanted}
    changed = {pk: wanted[key] for key, (pk, explanation, pending) in raised_by_rules.items()
               if key in wanted and (explanation, pending) != (wanted[key].explanation[:300],
                                                               wanted[key].duration_pending)}
    to_write = DltCandidate.objects.in_bulk([*gone, *changed]) if gone or changed else {}
    now = timezone.now()
    for pk in gone:
        candidate = to_write[pk]
        candidate.voided_at, candidate.voided_by = now, system
        candidate.void_reason = NO_LONGER_REASON
    for pk, flag in changed.items():
        to_write[pk].explanation = flag.explanation[:300]
        to_write[pk].duration_pending = flag.duration_pending
    _bulk_update([to_write[pk] for pk in changed], ["explanation", "duration_pending"], system,
                 RULES_REASON, now)
    _bulk_update([to_write[pk] for pk in gone], ["voided_at", "voided_by", "void_reason"],
                 system, NO_LONGER_REASON, now)
    return Reconciled(
        counts={"raised": len(new), "updated": len(changed), "voided": len(gone)},
        candidates=_sorted_candidates(wanted, raised_by_people))


def _bulk_update(candidates: list[DltCandidate], fields: list[str], system, reason: str, now):
    for candidate in candidates:
        candidate.row_version += 1
        candidate.updated_at = now
    if candidates:
        DltCandidate.all_objects.bulk_update(
            candidates, [*fields, "row_version", "updated_at"], batch_size=BATCH)
        insert_history(DltCandidate, candidates, user=system, reason=reason, when=now,
                       history_type="~")


def dlt_candidate_raise(*, adverse_event: AdverseEvent, by, rationale: str) -> DltCandidate:
    """An investigator flags an AE the rules missed, with a rationale."""
    rationale = required_text(rationale, field="rationale",
                              message="A rationale is required to raise a DLT candidate.")
    candidate = DltCandidate(adverse_event=adverse_event, rule=DltRule.INVESTIGATOR,
                             explanation=rationale[:300], raised_by=by)
    return record_save(candidate, by=by)
