"""Visit calendars: what `patients.schedule` says of the recorded assessments, PK samples and
RCL tests.

`calendars` serves the patient list's overdue count (three queries whatever the number of
patients, none when the status grid's records are passed); `patient_schedule` the casebook's
table for one patient, through the same reads."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from efficacy.models import ResponseAssessment
from patients.schedule import (
    UNWINDOWED_VISITS,
    VisitStatus,
    pk_statuses,
    rcl_statuses,
    visit_statuses,
)
from pk.models import PkSample
from safety.models import RclTest

OVERDUE = ("late", "missed")


def _by_patient():
    return defaultdict(lambda: defaultdict(list))


def _collect(assessments, samples, rcl_tests=()) -> tuple[dict, dict, dict]:
    """Per patient: {visit code: [dates]}, {PK nominal day: [dates]} and {RCL timepoint:
    [dates]}, from (patient id, visit, date), (patient id, nominal day, collected at) and
    (patient id, timepoint, sample date) rows."""
    visits, taken, tested = _by_patient(), _by_patient(), _by_patient()
    for patient_id, visit, on in assessments:
        if visit not in UNWINDOWED_VISITS:
            visits[patient_id][visit].append(on)
    for patient_id, day, at in samples:
        taken[patient_id][day].append(timezone.localtime(at).date())
    for patient_id, timepoint, on in rcl_tests:
        tested[patient_id][timepoint].append(on)
    return visits, taken, tested


def _done_dates(patient_ids) -> tuple[dict, dict, dict]:
    """`_collect`'s three maps, read from the database: three queries."""
    return _collect(
        ResponseAssessment.objects.filter(patient_id__in=patient_ids).values_list(
            "patient_id", "visit", "date"),
        PkSample.objects.filter(patient_id__in=patient_ids).values_list(
            "patient_id", "nominal_day", "collected_at"),
        RclTest.objects.filter(patient_id__in=patient_ids).values_list(
            "patient_id", "timepoint", "sample_date"))


def _end_date(death_date: date | None, off_study_date: date | None) -> date | None:
    """Death or going off study, whichever came first: later visits are not owed."""
    ends = [d for d in (death_date, off_study_date) if d]
    return min(ends) if ends else None


def done_dates_of(records) -> tuple[dict, dict, dict]:
    """`_done_dates` from the status grid's records (`status_grid.records_of`), already read."""
    visits, taken, tested = _by_patient(), _by_patient(), _by_patient()
    for rec in records:
        if rec.slug == "response" and rec.key not in UNWINDOWED_VISITS:
            visits[rec.patient_id][rec.key].append(rec.on)
        elif rec.slug == "pk-sample":
            taken[rec.patient_id][int(rec.key)].append(rec.on)
        elif rec.slug == "rcl-test":
            tested[rec.patient_id][rec.key].append(rec.on)
    return visits, taken, tested


def calendars(patients, today: date, done=None) -> dict[int, dict[str, list[VisitStatus]]]:
    """{patient id: {"response": [...], "pk": [...], "rcl": [...]}} for infused patients
    (annotated with `first_infusion_date` and `death_date`, as `selectors.patient_list` gives
    them). `done`: the done dates already read (`done_dates_of`), else three queries read them."""
    infused = [p for p in patients if p.first_infusion_date]
    visits, samples, tests = done or _done_dates([p.pk for p in infused])
    ends = {p.pk: _end_date(getattr(p, "death_date", None), p.off_study_date) for p in infused}
    return {p.pk: {
        "response": visit_statuses(p.first_infusion_date, today, visits[p.pk], ends[p.pk]),
        "pk": pk_statuses(p.first_infusion_date, today, samples[p.pk], ends[p.pk]),
        "rcl": rcl_statuses(p.first_infusion_date, today, tests[p.pk], ends[p.pk]),
    } for p in infused}


@dataclass(frozen=True)
class Schedule:
    day0: date | None
    visits: list[VisitStatus]
    pk_samples: list[VisitStatus]
    rcl_tests: list[VisitStatus] = field(default_factory=list)

    @property
    def rcl_tests_shown(self) -> list[VisitStatus]:
        """The RCL timepoints up to the next one not yet open: fifteen years of yearly tests
        are not listed from the first month on."""
        shown = []
        for status in self.rcl_tests:
            shown.append(status)
            if status.status == "upcoming":
                break
        return shown


def patient_schedule(patient, *, as_of: date) -> Schedule:
    """One patient's response visits, PK samples and RCL tests with window and status: five
    queries."""
    first = patient.infusions.order_by("number").values_list("date", flat=True).first()
    if first is None:
        return Schedule(None, [], [])
    visits, samples, tests = _done_dates([patient.pk])
    end = _end_date(patient.deaths.values_list("date", flat=True).first(),
                    patient.off_study_date)
    return Schedule(first, visit_statuses(first, as_of, visits[patient.pk], end),
                    pk_statuses(first, as_of, samples[patient.pk], end),
                    rcl_statuses(first, as_of, tests[patient.pk], end))


def schedule_of(patient, assessments, samples, rcl_tests=(), *, as_of: date) -> Schedule:
    """`patient_schedule` from records already read (the casebook page's): no query. `patient`
    is annotated with `first_infusion_date` and `death_date` (`selectors.patient_list`)."""
    first = patient.first_infusion_date
    if first is None:
        return Schedule(None, [], [])
    visits, samples, tests = _collect(
        ((a.patient_id, a.visit, a.date) for a in assessments),
        ((s.patient_id, s.nominal_day, s.collected_at) for s in samples),
        ((t.patient_id, t.timepoint, t.sample_date) for t in rcl_tests))
    end = _end_date(patient.death_date, patient.off_study_date)
    return Schedule(first, visit_statuses(first, as_of, visits[patient.pk], end),
                    pk_statuses(first, as_of, samples[patient.pk], end),
                    rcl_statuses(first, as_of, tests[patient.pk], end))


def overdue_count(calendar: dict[str, list[VisitStatus]] | None) -> int:
    """Late or missed visits, samples and RCL tests: each one a protocol deviation to follow
    up."""
    if not calendar:
        return 0
    return sum(s.status in OVERDUE for statuses in calendar.values() for s in statuses)
