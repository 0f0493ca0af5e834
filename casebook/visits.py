"""Visit calendars: what `patients.schedule` says of the recorded assessments, PK samples, RCL
tests and long-term follow-up visits.

`calendars` serves the patient list's overdue count (four queries whatever the number of
patients, none when the status grid's records are given); `patient_schedule` the casebook's table
for one patient, through the same reads."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from efficacy.models import ResponseAssessment
from patients.models import LtfuVisit
from patients.schedule import (
    UNWINDOWED_VISITS,
    VisitStatus,
    ltfu_statuses,
    pk_statuses,
    rcl_statuses,
    visit_statuses,
)
from pk.models import PkSample
from safety.models import RclTest

OVERDUE = ("late", "missed")


def _per_patient():
    return defaultdict(lambda: defaultdict(list))


@dataclass(frozen=True)
class Done:
    """Per patient: {visit code: [dates]}, {PK nominal day: [dates]}, {RCL timepoint: [dates]},
    {LTFU visit: [dates]}."""
    visits: dict = field(default_factory=_per_patient)
    samples: dict = field(default_factory=_per_patient)
    rcl: dict = field(default_factory=_per_patient)
    ltfu: dict = field(default_factory=_per_patient)


def _collect(assessments, samples, rcl_tests=(), ltfu=()) -> Done:
    """From (patient id, visit, date), (patient id, nominal day, collected at), (patient id,
    timepoint, sample date) and (patient id, LTFU visit, contact date) rows."""
    done = Done()
    for patient_id, visit, on in assessments:
        if visit not in UNWINDOWED_VISITS:
            done.visits[patient_id][visit].append(on)
    for patient_id, day, at in samples:
        done.samples[patient_id][day].append(timezone.localtime(at).date())
    for patient_id, timepoint, on in rcl_tests:
        done.rcl[patient_id][timepoint].append(on)
    for patient_id, visit, on in ltfu:
        done.ltfu[patient_id][visit].append(on)
    return done


def _done_dates(patient_ids) -> Done:
    """The done dates of these patients: four queries."""
    return _collect(
        ResponseAssessment.objects.filter(patient_id__in=patient_ids).values_list(
            "patient_id", "visit", "date"),
        PkSample.objects.filter(patient_id__in=patient_ids).values_list(
            "patient_id", "nominal_day", "collected_at"),
        RclTest.objects.filter(patient_id__in=patient_ids).values_list(
            "patient_id", "timepoint", "sample_date"),
        LtfuVisit.objects.filter(patient_id__in=patient_ids).values_list(
            "patient_id", "visit", "contact_date"))


def _end_date(death_date: date | None, off_study_date: date | None) -> date | None:
    """Death or going off study, whichever came first: later visits are not owed."""
    ends = [d for d in (death_date, off_study_date) if d]
    return min(ends) if ends else None


def done_dates_of(records) -> Done:
    """`_done_dates` from the status grid's records (`status_grid.records_of`), already read."""
    done = Done()
    for rec in records:
        if rec.slug == "response" and rec.key not in UNWINDOWED_VISITS:
            done.visits[rec.patient_id][rec.key].append(rec.on)
        elif rec.slug == "pk-sample":
            done.samples[rec.patient_id][int(rec.key)].append(rec.on)
        elif rec.slug == "rcl-test":
            done.rcl[rec.patient_id][rec.key].append(rec.on)
        elif rec.slug == "ltfu-visit":
            done.ltfu[rec.patient_id][rec.key].append(rec.on)
    return done


def _calendar(day0: date, today: date, done: Done, patient_id: int, end: date | None) -> dict:
    return {"response": visit_statuses(day0, today, done.visits[patient_id], end),
            "pk": pk_statuses(day0, today, done.samples[patient_id], end),
            "rcl": rcl_statuses(day0, today, done.rcl[patient_id], end),
            "ltfu": ltfu_statuses(day0, today, done.ltfu[patient_id], end)}


def calendars(patients, today: date, done: Done | None = None
              ) -> dict[int, dict[str, list[VisitStatus]]]:
    """{patient id: {"response": [...], "pk": [...], "rcl": [...], "ltfu": [...]}} for infused
    patients (annotated with `first_infusion_date` and `death_date`, as `selectors.patient_list`
    gives them). `done`: the done dates already read (`done_dates_of`), else four queries read
    them."""
    infused = [p for p in patients if p.first_infusion_date]
    done = done or _done_dates([p.pk for p in infused])
    return {p.pk: _calendar(p.first_infusion_date, today, done, p.pk,
                            _end_date(getattr(p, "death_date", None), p.off_study_date))
            for p in infused}


@dataclass(frozen=True)
class Schedule:
    day0: date | None
    visits: list[VisitStatus]
    pk_samples: list[VisitStatus]
    rcl_tests: list[VisitStatus] = field(default_factory=list)
    ltfu: list[VisitStatus] = field(default_factory=list)

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


def _schedule(day0: date, as_of: date, done: Done, patient_id: int, end: date | None):
    calendar = _calendar(day0, as_of, done, patient_id, end)
    return Schedule(day0, calendar["response"], calendar["pk"], calendar["rcl"], calendar["ltfu"])


def patient_schedule(patient, *, as_of: date) -> Schedule:
    """One patient's response visits, PK samples, RCL tests and LTFU visits with window and
    status: six queries."""
    first = patient.infusions.order_by("number").values_list("date", flat=True).first()
    if first is None:
        return Schedule(None, [], [])
    end = _end_date(patient.deaths.values_list("date", flat=True).first(),
                    patient.off_study_date)
    return _schedule(first, as_of, _done_dates([patient.pk]), patient.pk, end)


def schedule_of(patient, assessments, samples, rcl_tests=(), ltfu=(), *, as_of: date
                ) -> Schedule:
    """`patient_schedule` from records already read (the casebook page's): no query. `patient`
    is annotated with `first_infusion_date` and `death_date` (`selectors.patient_list`)."""
    first = patient.first_infusion_date
    if first is None:
        return Schedule(None, [], [])
    done = _collect(((a.patient_id, a.visit, a.date) for a in assessments),
                    ((s.patient_id, s.nominal_day, s.collected_at) for s in samples),
                    ((t.patient_id, t.timepoint, t.sample_date) for t in rcl_tests),
                    ((v.patient_id, v.visit, v.contact_date) for v in ltfu))
    return _schedule(first, as_of, done, patient.pk,
                     _end_date(patient.death_date, patient.off_study_date))


def overdue_count(calendar: dict[str, list[VisitStatus]] | None) -> int:
    """Late or missed visits and samples: each one a protocol deviation to follow up."""
    if not calendar:
        return 0
    return sum(s.status in OVERDUE for statuses in calendar.values() for s in statuses)
