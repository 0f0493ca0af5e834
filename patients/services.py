"""Patient-level glue: the visit schedule of one patient, from their saved records.

Call path: casebook view → `patient_schedule` → `patients.schedule` (pure).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date

from .models import Patient
from .schedule import VisitStatus, pk_statuses, visit_statuses


@dataclass(frozen=True)
class Schedule:
    day0: date | None
    visits: list[VisitStatus]
    pk_samples: list[VisitStatus]


def patient_schedule(patient: Patient, *, as_of: date) -> Schedule:
    """Each response visit and PK sample as upcoming / due / done / late / missed /
    not expected, with its window: four queries."""
    first = patient.infusions.order_by("number").values_list("date", flat=True).first()
    if first is None:
        return Schedule(None, [], [])
    visits = defaultdict(list)
    for visit, on in patient.response_assessments.values_list("visit", "date"):
        visits[visit].append(on)
    samples = defaultdict(list)
    for nominal, collected in patient.pk_samples.values_list("nominal_day", "collected_at"):
        samples[nominal].append(collected.astimezone(UTC).date())
    death = patient.deaths.values_list("date", flat=True).first()
    end = min((d for d in (death, patient.off_study_date) if d is not None), default=None)
    return Schedule(first, visit_statuses(first, as_of, visits, end),
                    pk_statuses(first, as_of, samples, end))
