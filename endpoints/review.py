"""The monitors' data-review listing (docs/spec/contract.md §5): everything the clinical rules flag.

Each finding is `{"subject_id", "rule", "date", "recorded", "derived", "message"}`, `date` being
the date of the record concerned. Rules:
- `crs_grade_mismatch`, `icans_grade_mismatch`: recorded grade ≠ the ASTCT grade derived from
  the episode's details (a disagreement is flagged, never overwritten);
- `response_mismatch`: the investigator's category ≠ the one derived from the assessment;
- `visit_out_of_window`: a response assessment or PK sample outside its visit window (a
  protocol deviation; the endpoints still count it);
- `dlt_candidate_pending`: a rule (or an investigator) flagged the AE and no one adjudicated it;
- `cytopenia_not_recorded`: a run of ANC or platelet counts of CTCAE grade ≥ 3
  (`safety.grading.lab_grade`) that no adverse event of that kind (neutropenia,
  thrombocytopenia) covers: none with onset on or before the count's date and unresolved on it.
  One finding per run: consecutive uncovered grade ≥ 3 counts of a kind, dated at the first,
  naming the worst; a count below grade 3, or one an AE covers, ends the run;
- `iec_hs_labs_not_recorded`: laboratory results after the first infusion that draw the IEC-HS
  picture (`safety.iec_hs_labs`: ferritin > 2 × ULN with, within 7 days, ALT/AST > 5 × ULN,
  bilirubin > 1.5 × ULN, fibrinogen < 1.5 g/L or an ANC/platelet count of grade ≥ 3) on a date
  no IEC-HS adverse event covers; one finding per episode, dated at its first ferritin,
  `derived` naming the criteria met;
- `sae_report_overdue`: an SAE not reported to the sponsor within the study's limit (24 h) of the
  site's awareness — still unreported at the cutoff, or reported late. Without an awareness time
  the onset date's start is taken, the conservative reading.
Records dated after the cutoff are left out, as in the endpoint report.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from efficacy.services import AssessmentRow
from endpoints.trial_data import TrialData
from patients.schedule import PK_SAMPLES, RESPONSE_VISITS, study_day
from safety.dlt_rules import ae_kind
from safety.iec_hs_labs import LabValue, iec_hs_signals
from safety.services import GradedCount, SafetyRow

WINDOWS = {w.key: w for w in RESPONSE_VISITS}
PK_WINDOWS = {w.key: w for w in PK_SAMPLES}


def _finding(subject_id, rule, day, recorded, derived, message) -> dict:
    return {"subject_id": subject_id, "rule": rule, "date": day.isoformat(),
            "recorded": recorded, "derived": derived, "message": message}


@dataclass(frozen=True)
class ReviewInputs:
    """What the listing reads, built by the recompute from the rows it has read for the report.
    Rows dated after the cutoff may be included: the rules leave them out."""

    safety: list[SafetyRow]
    assessments: list[AssessmentRow]
    candidates: list[tuple[int, str]]  # (AE id, rule) of every current candidate, by rule
    decided: set[int]  # AE ids with an adjudication
    sae_report_hours: int
    trial: TrialData  # the PK samples
    cytopenia_counts: list[GradedCount] = ()  # ANC and platelet counts, graded
    iec_hs_labs: list[LabValue] = ()  # the results the IEC-HS check reads


def data_review(cutoff: date, inputs: ReviewInputs) -> dict:
    """The listing at `cutoff`."""
    findings = [*_safety_findings(cutoff, inputs), *_response_findings(cutoff, inputs),
                *_pk_findings(inputs.trial, cutoff), *_cytopenia_findings(cutoff, inputs),
                *_iec_hs_findings(cutoff, inputs)]
    findings.sort(key=lambda f: (f["subject_id"], f["date"], f["rule"]))
    return {"cutoff": cutoff.isoformat(), "findings": findings}


def _safety_findings(cutoff: date, inputs: ReviewInputs):
    hours = inputs.sae_report_hours
    end_of_cutoff = datetime.combine(cutoff + timedelta(days=1), time.min, tzinfo=UTC)
    pending: dict[int, list[str]] = {}
    for ae_id, rule in inputs.candidates:
        pending.setdefault(ae_id, []).append(rule)
    for row in inputs.safety:
        if row.onset_date > cutoff:
            continue
        for condition, graded, rule in (("CRS", row.crs, "crs_grade_mismatch"),
                                        ("ICANS", row.icans, "icans_grade_mismatch")):
            if graded is not None and graded.grade != row.grade:
                yield _finding(row.subject_id, rule, row.onset_date, row.grade, graded.grade,
                               f"{row.term}: recorded grade {row.grade}, details give "
                               f"{graded.describe(condition)} (ASTCT)")
        if row.ae_id not in inputs.decided:
            for rule in pending.get(row.ae_id, ()):
                yield _finding(row.subject_id, "dlt_candidate_pending", row.onset_date, None,
                               rule, f"{row.term} (grade {row.grade}) is a DLT candidate "
                                     f"under {rule}, not yet adjudicated")
        if row.serious:
            aware = row.site_aware_at or datetime.combine(row.onset_date, time.min, tzinfo=UTC)
            deadline = aware + timedelta(hours=hours)
            reported = row.sponsor_reported_at
            if (reported is None and end_of_cutoff > deadline) or (reported and reported >
                                                                    deadline):
                yield _finding(
                    row.subject_id, "sae_report_overdue", row.onset_date,
                    reported.isoformat() if reported else None, deadline.isoformat(),
                    f"SAE {row.term}: " + (f"reported {reported:%Y-%m-%d %H:%M}, after the "
                                           if reported else "not reported by the ")
                    + f"{hours} h deadline {deadline:%Y-%m-%d %H:%M} UTC")


def _response_findings(cutoff: date, inputs: ReviewInputs):
    for row in inputs.assessments:
        if row.date > cutoff:
            continue
        if row.derived.category != row.recorded:
            yield _finding(row.subject_id, "response_mismatch", row.date, row.recorded,
                           row.derived.category, f"{row.visit}: recorded {row.recorded}, the "
                           f"values give {row.derived.category} ({row.derived.reason})")
        window = WINDOWS.get(row.visit)
        if window is not None and row.day is not None and not window.contains(row.day):
            yield _finding(row.subject_id, "visit_out_of_window", row.date, f"day {row.day}",
                           f"day {window.low_day}–{window.high_day}",
                           f"{row.visit} assessment on day {row.day}, outside day "
                           f"{window.low_day}–{window.high_day} (protocol deviation)")


def _pk_findings(trial: TrialData, cutoff: date):
    for patient in trial.patients:
        if not patient.infusions:
            continue
        day0 = patient.infusions[0].date
        for sample in patient.pk_samples:
            collected = sample.collected_on
            window = PK_WINDOWS.get(sample.nominal_day)
            if collected > cutoff or window is None:
                continue
            day = study_day(day0, collected)
            if not window.contains(day):
                yield _pk_deviation(patient.subject_id, collected, sample.nominal_day, day,
                                    window)


def _pk_deviation(subject_id, collected: date, nominal: int, day: int, window) -> dict:
    return _finding(subject_id, "visit_out_of_window", collected, f"day {day}",
                    f"day {window.low_day}–{window.high_day}",
                    f"PK sample for day {nominal} taken on day {day}, outside day "
                    f"{window.low_day}–{window.high_day} (protocol deviation)")



def _cytopenia_findings(cutoff: date, inputs: ReviewInputs):
    spans: dict[tuple[str, str], list[tuple[date, date | None]]] = {}
    for row in inputs.safety:
        spans.setdefault((row.subject_id, ae_kind(row.term)), []).append(
            (row.onset_date, row.resolution_date))
    run: list[GradedCount] = []
    # A patient's ANC and platelet counts are read interleaved in time: a run is of one kind.
    for count in sorted(inputs.cytopenia_counts, key=lambda c: (c.subject_id, c.kind, c.on)):
        if run and (run[0].subject_id, run[0].kind) != (count.subject_id, count.kind):
            yield from _unrecorded(run)
            run = []
        if count.on > cutoff:
            continue
        covered = any(onset <= count.on and (resolved is None or count.on <= resolved)
                      for onset, resolved in spans.get((count.subject_id, count.kind), ()))
        if count.graded.grade >= 3 and not covered:
            run.append(count)
        else:
            yield from _unrecorded(run)
            run = []
    yield from _unrecorded(run)


def _unrecorded(run: list[GradedCount]):
    if not run:
        return
    first, worst = run[0], max(run, key=lambda c: c.graded.grade)
    more = f" and {len(run) - 1} later count(s) of grade ≥ 3" if len(run) > 1 else ""
    yield _finding(first.subject_id, "cytopenia_not_recorded", first.on, None,
                   worst.graded.grade,
                   f"{worst.graded.describe(first.kind)} on {worst.on.isoformat()}: counts of "
                   f"grade ≥ 3 from {first.on.isoformat()}{more}, and no {first.kind} adverse "
                   "event recorded over them")


def _iec_hs_findings(cutoff: date, inputs: ReviewInputs):
    covered: dict[str, list[tuple[date, date | None]]] = {}
    for row in inputs.safety:
        if ae_kind(row.term) == "iec_hs" and row.onset_date <= cutoff:
            covered.setdefault(row.subject_id, []).append((row.onset_date, row.resolution_date))
    labs: dict[str, list[LabValue]] = {}
    for lab in inputs.iec_hs_labs:
        if lab.on <= cutoff:
            labs.setdefault(lab.subject_id, []).append(lab)
    for patient in inputs.trial.patients:
        day0 = patient.infusions[0].date if patient.infusions else None
        for signal in iec_hs_signals(labs.get(patient.subject_id, []), day0,
                                     covered.get(patient.subject_id, [])):
            criteria = "; ".join(signal.criteria)
            yield _finding(signal.subject_id, "iec_hs_labs_not_recorded", signal.on, None,
                           f"ferritin > 2 × ULN; {criteria}",
                           f"ferritin {signal.ferritin_x_uln:.1f} × ULN on "
                           f"{signal.on.isoformat()} with {criteria} within 7 days: the "
                           "IEC-HS picture (ASTCT 2023), and no IEC-HS adverse event recorded "
                           "over it")
