"""Reading the trial for the endpoints: every row they need, read once in a fixed number of
queries whatever the trial's size, and the trial as the pure endpoint code takes it
(`endpoints.trial_data.TrialData`)."""


from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import NamedTuple

from django.db.models import Max

from core.fast_reads import values_rows
from core.models import Study
from dosing.models import DoseLevel, Infusion
from efficacy.models import Death, DiseaseEvent, Hsct
from efficacy.services import AssessmentRecord, read_assessments
from endpoints.trial_data import (
    AdverseEventData,
    AssessmentData,
    DiseaseEventData,
    DoseLevelData,
    InfusionData,
    PatientData,
    PkSampleData,
    StudyData,
    TrialData,
)
from patients.models import FollowUpContact, LtfuVisit, Patient, VitalStatus
from pk.models import PkSample
from safety.iec_hs_labs import IEC_HS_TESTS, LabValue
from safety.models import DltAdjudication, DltCandidate
from safety.services import (
    AdverseEventRecord,
    GradedCount,
    graded_counts_of,
    read_adverse_events,
    read_lab_values,
)


class DoseLevelRecord(NamedTuple):
    code: str
    rank: int
    cells_per_kg: float | None
    total_cells: float | None


class PatientRecord(NamedTuple):
    id: int
    subject_id: str
    enrollment_date: date | None
    off_study_date: date | None
    screening_marrow_blasts_pct: float | None


class InfusionRecord(NamedTuple):
    patient_id: int
    number: int
    date: date
    time: time | None
    dose_level_code: str


class DiseaseEventRecord(NamedTuple):
    patient_id: int
    date: date
    type: str


class PkSampleRecord(NamedTuple):
    patient_id: int
    nominal_day: int
    collected_at: datetime
    matrix: str
    car_copies_per_ug_gdna: float | None
    below_lloq: bool
    car_t_cells_per_uL: float | None


def _by_patient(records, make):
    """{patient id: [make(record), …]} in the records' order."""
    grouped = defaultdict(list)
    for record in records:
        grouped[record.patient_id].append(make(record))
    return grouped


@dataclass(frozen=True)
class TrialRows:
    """Every row the endpoints and the data-review listing read, read once, as records."""

    study: Study
    levels: list[DoseLevelRecord]
    patients: list[PatientRecord]
    infusions: list[InfusionRecord]
    adverse_events: list[AdverseEventRecord]
    adjudications: dict[int, str]  # AE id → decision
    assessments: list[AssessmentRecord]
    disease_events: list[DiseaseEventRecord]
    pk_samples: list[PkSampleRecord]
    hsct: dict[int, date]
    deaths: dict[int, tuple[date, str]]  # patient id → (date, cause)
    contacts: dict[int, date]  # patient id → latest follow-up contact
    cytopenia_counts: list[GradedCount]  # ANC and platelet counts, graded, for D5 and the review
    # The results the IEC-HS check reads (`safety.iec_hs_labs`), ANC and platelets among them.
    iec_hs_labs: list[LabValue] = ()

    def day0(self) -> dict[int, date]:
        first: dict[int, date] = {}
        for patient_id, _number, day, *_ in self.infusions:
            if patient_id not in first or day < first[patient_id]:
                first[patient_id] = day
        return first


def read_trial_rows() -> TrialRows:
    """Thirteen queries at any trial size."""
    return TrialRows(
        study=Study.load(),
        levels=values_rows(DoseLevel.objects.order_by("rank"), "code", "rank", "cells_per_kg",
                           "total_cells", row=DoseLevelRecord),
        patients=values_rows(Patient.objects.order_by("subject_id"), "pk", "subject_id",
                             "enrollment_date", "off_study_date", "screening_marrow_blasts_pct",
                             row=PatientRecord),
        infusions=values_rows(Infusion.objects.order_by("patient_id", "number"), "patient_id",
                              "number", "date", "time", "dose_level__code", row=InfusionRecord),
        adverse_events=read_adverse_events(),
        adjudications=dict(values_rows(DltAdjudication.objects.all(), "adverse_event_id",
                                       "decision")),
        assessments=read_assessments(),
        disease_events=values_rows(DiseaseEvent.objects.order_by("patient_id", "date", "pk"),
                                   "patient_id", "date", "type", row=DiseaseEventRecord),
        pk_samples=values_rows(
            PkSample.objects.order_by("patient_id", "collected_at", "pk"),
            "patient_id", "nominal_day", "collected_at", "matrix", "car_copies_per_ug_gdna",
            "below_lloq", "car_t_cells_per_uL", row=PkSampleRecord),
        hsct=dict(values_rows(Hsct.objects.all(), "patient_id", "date")),
        deaths={pid: (day, cause) for pid, day, cause in
                values_rows(Death.objects.all(), "patient_id", "date", "cause")},
        contacts=_last_contacts(),
        **_lab_rows())


def _lab_rows() -> dict:
    """The counts D5 and the review grade and the IEC-HS check's results: one query."""
    labs = read_lab_values(IEC_HS_TESTS)
    return {"cytopenia_counts": graded_counts_of(labs), "iec_hs_labs": labs}


def _last_contacts() -> dict[int, date]:
    """Patient id → the last date known alive: follow-up contacts and long-term follow-up
    visits that found the patient alive, in one query."""
    def latest(queryset):  # each patient's latest date, aggregated by the database
        return queryset.order_by().values("patient_id").annotate(
            last=Max("contact_date")).values_list("patient_id", "last")

    alive = LtfuVisit.objects.filter(vital_status=VitalStatus.ALIVE)
    last: dict[int, date] = {}
    for patient_id, on in latest(FollowUpContact.objects).union(latest(alive), all=True):
        last[patient_id] = max(on, last.get(patient_id, on))
    return last


def trial_data_of(rows: TrialRows, flagged: set[int]) -> TrialData:
    """The frozen inputs of the endpoint modules; `flagged`: AE ids with a DLT candidate."""
    infusions = _by_patient(rows.infusions, lambda i: InfusionData(
        i.number, i.date, i.time, i.dose_level_code))
    decisions = rows.adjudications
    adverse_events = defaultdict(list)  # each patient's in onset order, as read
    for ae in rows.adverse_events:
        adverse_events[ae.patient_id].append(AdverseEventData(
            ae.term, ae.grade, ae.onset_date, ae.resolution_date, ae.id in flagged,
            decisions.get(ae.id)))
    assessments = _by_patient(rows.assessments, lambda a: AssessmentData(
        a.visit, a.date, a.response, a.mrd_pct, a.mrd_below_detection))
    disease_events = _by_patient(rows.disease_events, lambda e: DiseaseEventData(e.date, e.type))
    samples = _by_patient(rows.pk_samples, lambda s: PkSampleData(
        s.nominal_day, s.collected_at, s.matrix, s.car_copies_per_ug_gdna, s.below_lloq,
        s.car_t_cells_per_uL))
    patients = []
    for patient in rows.patients:
        death_date, death_cause = rows.deaths.get(patient.id, (None, None))
        patients.append(PatientData(
            subject_id=patient.subject_id, enrollment_date=patient.enrollment_date,
            off_study_date=patient.off_study_date,
            infusions=tuple(infusions.get(patient.id, ())),
            adverse_events=tuple(adverse_events.get(patient.id, ())),
            assessments=tuple(assessments.get(patient.id, ())),
            disease_events=tuple(disease_events.get(patient.id, ())),
            hsct_date=rows.hsct.get(patient.id), death_date=death_date, death_cause=death_cause,
            last_contact_date=rows.contacts.get(patient.id),
            pk_samples=tuple(samples.get(patient.id, ()))))
    study = rows.study
    return TrialData(
        study=StudyData(study.escalation_design, study.target_dlt_rate, study.dlt_window_days,
                        tuple(DoseLevelData(level.code, level.rank, level.cells_per_kg,
                                            level.total_cells) for level in rows.levels)),
        patients=tuple(patients))


def load_trial() -> TrialData:
    """Everything the endpoints read, as frozen dataclasses: 14 queries at any trial size."""
    flagged = set(DltCandidate.objects.values_list("adverse_event_id", flat=True))
    return trial_data_of(read_trial_rows(), flagged)
