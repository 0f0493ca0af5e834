"""Safety glue: adverse events with their details read in a fixed number of queries, the ASTCT
grades derived from the details, and the DLT candidates the protocol's rules raise.

Call path: recompute task / command → `dlt_candidates_sync` → `safety.dlt_rules.dlt_flags`
(pure); data review → `safety_rows` + `safety.grading` (pure).
"""

from dataclasses import dataclass, fields
from datetime import date

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from dosing.models import Infusion
from trial_edc.audit import record_save, system_user
from trial_edc.bulk_history import BATCH, insert_history, insert_with_history
from trial_edc.fast_reads import values_rows
from trial_edc.freshness import data_changed
from trial_edc.models import Study

from .dlt_rules import AeFacts, DltFlag, ae_kind, dlt_flags, dlt_settings_from
from .grading import CrsFindings, Graded, IcansFindings, crs_grade, icans_grade
from .models import AdverseEvent, CrsDetails, DltCandidate, DltRule, GvhdDetails, IcansDetails
from .selectors import findings_of

RULES_REASON = "DLT rules re-evaluated"
NO_LONGER_REASON = "the DLT rules no longer flag this event"


@dataclass(frozen=True)
class SafetyRow:
    """One adverse event with what the rules read of it."""

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

    def facts(self) -> AeFacts:
        def day(d):
            return (None if d is None or self.day0 is None else (d - self.day0).days)
        return AeFacts(
            term=self.term, grade=self.grade, onset_day=day(self.onset_date),
            relatedness=self.relatedness, resolution_day=day(self.resolution_date),
            crs_grade=self.crs.grade if self.crs else None,
            icans_grade=self.icans.grade if self.icans else None,
            gvhd_magic_grade=self.gvhd_magic_grade, kind=ae_kind(self.term))


def _graded(model, findings_class, grade) -> dict[int, Graded]:
    """Derived grade per AE id, from the details rows read without model instances."""
    names = [f.name for f in fields(findings_class)]
    return {ae_id: grade(findings_of(findings_class, dict(zip(names, values, strict=True))))
            for ae_id, *values in values_rows(model.objects.all(), "adverse_event_id", *names)}


def safety_rows(cutoff: date | None = None) -> list[SafetyRow]:
    """Every current AE (onset ≤ cutoff) with derived grades: five queries at any size."""
    day0 = dict(Infusion.objects.values("patient_id").annotate(first=Min("date"))
                .values_list("patient_id", "first"))
    crs = _graded(CrsDetails, CrsFindings, crs_grade)
    icans = _graded(IcansDetails, IcansFindings, icans_grade)
    gvhd = dict(values_rows(GvhdDetails.objects.all(), "adverse_event_id", "magic_grade"))
    events = AdverseEvent.objects.order_by("patient__subject_id", "onset_date", "pk")
    if cutoff is not None:
        events = events.filter(onset_date__lte=cutoff)
    return [
        SafetyRow(pk, subject_id, term, grade, onset, resolution, relatedness, serious, aware,
                  reported, day0.get(patient_id), crs.get(pk), icans.get(pk), gvhd.get(pk))
        for pk, patient_id, subject_id, term, grade, onset, resolution, relatedness, serious,
        aware, reported in values_rows(
            events, "pk", "patient_id", "patient__subject_id", "term", "grade", "onset_date",
            "resolution_date", "relatedness", "serious", "site_aware_at", "sponsor_reported_at")
    ]


def rule_flags(rows: list[SafetyRow], *, today: date) -> dict[int, list[DltFlag]]:
    """The DLT rules' flags per AE id (only AEs that are flagged)."""
    settings = dlt_settings_from(Study.load())
    flagged = {}
    for row in rows:
        as_of_day = (today - row.day0).days if row.day0 else None
        flags = dlt_flags(row.facts(), settings, as_of_day=as_of_day)
        if flags:
            flagged[row.ae_id] = flags
    return flagged


@transaction.atomic
def dlt_candidates_sync(*, today: date | None = None, rows: list[SafetyRow] | None = None,
                        schedule_recompute: bool = True) -> dict[str, int]:
    """Bring the rule-raised DLT candidates in line with the rules: raise new ones, update their
    wording or pending mark, void those the rules no longer support. Investigators' candidates
    are left alone. Idempotent: a second run with the same data changes nothing. A recompute,
    which reads the data after this, passes `schedule_recompute=False`."""
    today = today or timezone.localdate()
    rows = safety_rows() if rows is None else rows
    wanted = {(ae_id, f.rule): f for ae_id, flags in rule_flags(rows, today=today).items()
              for f in flags}
    current = {(c.adverse_event_id, c.rule): c
               for c in DltCandidate.objects.filter(raised_by__isnull=True)}
    system = system_user()
    new = [DltCandidate(adverse_event_id=ae_id, rule=rule, explanation=f.explanation[:300],
                        duration_pending=f.duration_pending)
           for (ae_id, rule), f in wanted.items() if (ae_id, rule) not in current]
    if new:
        insert_with_history(DltCandidate, new, user=system, reason=RULES_REASON,
                            when=timezone.now())
    now = timezone.now()
    changed, gone = [], []
    for key, candidate in current.items():
        flag = wanted.get(key)
        if flag is None:
            candidate.voided_at, candidate.voided_by = now, system
            candidate.void_reason = NO_LONGER_REASON
            gone.append(candidate)
        elif (candidate.explanation, candidate.duration_pending) != (flag.explanation[:300],
                                                                     flag.duration_pending):
            candidate.explanation = flag.explanation[:300]
            candidate.duration_pending = flag.duration_pending
            changed.append(candidate)
    # In bulk, so that a recompute costs the same number of queries whatever changed.
    _bulk_update(changed, ["explanation", "duration_pending"], system, RULES_REASON, now)
    _bulk_update(gone, ["voided_at", "voided_by", "void_reason"], system, NO_LONGER_REASON, now)
    if (new or changed or gone) and schedule_recompute:
        data_changed()
    return {"raised": len(new), "updated": len(changed), "voided": len(gone)}


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
    candidate = DltCandidate(adverse_event=adverse_event, rule=DltRule.INVESTIGATOR,
                             explanation=rationale.strip()[:300], raised_by=by)
    return record_save(candidate, by=by)
