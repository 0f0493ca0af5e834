"""Reads for the safety pages: the ASTCT grades derived from what the CRS/ICANS details record
(`safety.grading.derive_grade`, the derivation the recompute, review and exports read too)."""

from django.utils import timezone

from safety.episode_treatments import episode_treatments
from safety.grading import Graded, derive_grade
from safety.models import (
    MIGRATED_MEANING,
    ConcomitantMedication,
    CrsDetails,
    DltAdjudication,
    DltCandidate,
    IcansDetails,
)


def derived_crs_grade(details: CrsDetails) -> Graded:
    """The ASTCT CRS grade the recorded worst values give (Lee 2019), with what drove it."""
    return derive_grade("CRS", vars(details))


def derived_icans_grade(details: IcansDetails) -> Graded:
    """The ASTCT ICANS grade the recorded domains give (ICE from age 12, CAPD below)."""
    return derive_grade("ICANS", vars(details))


def derived_grades_of(adverse_event_ids) -> dict[int, list[tuple[str, Graded]]]:
    """Each derived grade of each adverse event, e.g. {7: [("CRS", Graded(4, …))]}: two
    queries whatever the number of events."""
    grades: dict[int, list[tuple[str, Graded]]] = {}
    for name, model in (("CRS", CrsDetails), ("ICANS", IcansDetails)):
        for details in model.objects.filter(adverse_event_id__in=adverse_event_ids):
            grades.setdefault(details.adverse_event_id, []).append(
                (name, derive_grade(name, vars(details))))
    return grades


def derived_grades(adverse_event) -> list[tuple[str, Graded]]:
    """Each derived grade of one adverse event: two queries."""
    return derived_grades_of([adverse_event.pk]).get(adverse_event.pk, [])


def dlt_flags_of(adverse_event_ids) -> dict[int, list[DltCandidate]]:
    """Each event's open DLT candidates (raised by rule D1–D6 or an investigator), by rule: one
    query whatever the number of events."""
    flags: dict[int, list[DltCandidate]] = {}
    for candidate in DltCandidate.objects.filter(
            adverse_event_id__in=adverse_event_ids).order_by("adverse_event_id", "rule"):
        flags.setdefault(candidate.adverse_event_id, []).append(candidate)
    return flags


def dlt_flags(adverse_event) -> list[DltCandidate]:
    """The event's open DLT candidates: one query."""
    return dlt_flags_of([adverse_event.pk]).get(adverse_event.pk, [])


def esigned_dlt_decisions() -> list[DltAdjudication]:
    """The current DLT decisions an investigator e-signed in this EDC (not migrated ones), with
    their adverse event and patient, by subject ID and onset: one query."""
    return list(DltAdjudication.objects.exclude(signature_meaning=MIGRATED_MEANING)
                .select_related("adverse_event__patient")
                .order_by("adverse_event__patient__subject_id", "adverse_event__onset_date",
                          "pk"))


def treatments_of(adverse_event) -> list[ConcomitantMedication]:
    """The current medications given during the event's episode
    (`safety.episode_treatments.given_for`): one query, the patient's medications."""
    if adverse_event is None or adverse_event.pk is None:
        return []
    medications = ConcomitantMedication.objects.filter(patient_id=adverse_event.patient_id)
    return episode_treatments(adverse_event, medications, today=timezone.localdate())
