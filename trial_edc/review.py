"""The monitors' data-review listing (contract §5): everything the clinical rules flag.

Each finding is `{"subject_id", "rule", "date", "recorded", "derived", "message"}`, `date` being
the date of the record concerned. Rules:
- `crs_grade_mismatch`, `icans_grade_mismatch`: recorded grade ≠ the ASTCT grade derived from
  the episode's details (a disagreement is flagged, never overwritten);
- `response_mismatch`: the investigator's category ≠ the one derived from the assessment;
- `visit_out_of_window`: a response assessment or PK sample outside its visit window (a
  protocol deviation; the endpoints still count it);
- `dlt_candidate_pending`: a rule (or an investigator) flagged the AE and no one adjudicated it;
- `sae_report_overdue`: an SAE not reported to the sponsor within the study's limit (24 h) of the
  site's awareness — still unreported at the cutoff, or reported late. Without an awareness time
  the onset date's start is taken, the conservative reading.
Records dated after the cutoff are left out, as in the endpoint report.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Min

from dosing.models import Infusion
from efficacy.services import assessment_rows
from patients.schedule import PK_SAMPLES, RESPONSE_VISITS
from pk.models import PkSample
from safety.models import DltAdjudication, DltCandidate
from safety.services import safety_rows

from .models import Study

WINDOWS = {w.key: w for w in RESPONSE_VISITS}
PK_WINDOWS = {w.key: w for w in PK_SAMPLES}


def _finding(subject_id, rule, day, recorded, derived, message) -> dict:
    return {"subject_id": subject_id, "rule": rule, "date": day.isoformat(),
            "recorded": recorded, "derived": derived, "message": message}


def data_review(cutoff: date, *, safety=None, trial=None) -> dict:
    """The listing at `cutoff`. `safety` (safety_rows()) and `trial` (the endpoint loader's
    TrialData) may be passed in by a recompute that has them already."""
    rows = safety_rows(cutoff) if safety is None else [r for r in safety
                                                        if r.onset_date <= cutoff]
    findings = [*_safety_findings(cutoff, rows), *_response_findings(cutoff),
                *(_pk_findings(cutoff) if trial is None else _pk_findings_of(trial, cutoff))]
    findings.sort(key=lambda f: (f["subject_id"], f["date"], f["rule"]))
    return {"cutoff": cutoff.isoformat(), "findings": findings}


def _safety_findings(cutoff: date, rows):
    hours = Study.load().sae_report_hours
    end_of_cutoff = datetime.combine(cutoff + timedelta(days=1), time.min, tzinfo=UTC)
    pending: dict[int, list[str]] = {}
    for ae_id, rule in DltCandidate.objects.order_by("rule").values_list("adverse_event_id",
                                                                         "rule"):
        pending.setdefault(ae_id, []).append(rule)
    decided = set(DltAdjudication.objects.values_list("adverse_event_id", flat=True))
    for row in rows:
        for condition, graded, rule in (("CRS", row.crs, "crs_grade_mismatch"),
                                        ("ICANS", row.icans, "icans_grade_mismatch")):
            if graded is not None and graded.grade != row.grade:
                yield _finding(row.subject_id, rule, row.onset_date, row.grade, graded.grade,
                               f"{row.term}: recorded grade {row.grade}, details give "
                               f"{graded.describe(condition)} (ASTCT)")
        if row.ae_id not in decided:
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


def _response_findings(cutoff: date):
    for row in assessment_rows(cutoff):
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


def _pk_findings_of(trial, cutoff: date):
    for patient in trial.patients:
        if not patient.infusions:
            continue
        day0 = patient.infusions[0].date
        for sample in patient.pk_samples:
            collected = sample.collected_at.astimezone(UTC).date()
            window = PK_WINDOWS.get(sample.nominal_day)
            if collected > cutoff or window is None:
                continue
            day = (collected - day0).days
            if not window.contains(day):
                yield _pk_deviation(patient.subject_id, collected, sample.nominal_day, day,
                                    window)


def _pk_deviation(subject_id, collected: date, nominal: int, day: int, window) -> dict:
    return _finding(subject_id, "visit_out_of_window", collected, f"day {day}",
                    f"day {window.low_day}–{window.high_day}",
                    f"PK sample for day {nominal} taken on day {day}, outside day "
                    f"{window.low_day}–{window.high_day} (protocol deviation)")


def _pk_findings(cutoff: date):
    day0 = dict(Infusion.objects.values("patient_id").annotate(first=Min("date"))
                .values_list("patient_id", "first"))
    samples = PkSample.objects.filter(collected_at__lt=datetime.combine(
        cutoff + timedelta(days=1), time.min, tzinfo=UTC)).order_by("patient__subject_id",
                                                                     "collected_at")
    for patient_id, subject_id, nominal, collected in samples.values_list(
            "patient_id", "patient__subject_id", "nominal_day", "collected_at"):
        window, first = PK_WINDOWS.get(nominal), day0.get(patient_id)
        if window is None or first is None:
            continue
        collected_on = collected.astimezone(UTC).date()
        day = (collected_on - first).days
        if not window.contains(day):
            yield _pk_deviation(subject_id, collected_on, nominal, day, window)
