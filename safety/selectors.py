"""Reads for the safety pages: the ASTCT grades derived from what the CRS/ICANS details record."""

from collections.abc import Mapping
from dataclasses import fields

from .grading import CrsFindings, Graded, IcansFindings, crs_grade, icans_grade
from .models import MIGRATED_MEANING, CrsDetails, DltAdjudication, DltCandidate, IcansDetails


def findings_of(findings_class, values: Mapping):
    """The grading input (CrsFindings, IcansFindings) from a details row's values: the one place
    where the CRF's field names meet the grading module's."""
    return findings_class(**{f.name: values[f.name] for f in fields(findings_class)})


def derived_crs_grade(details: CrsDetails) -> Graded:
    """The ASTCT CRS grade the recorded worst values give (Lee 2019), with what drove it."""
    return crs_grade(findings_of(CrsFindings, vars(details)))


def derived_icans_grade(details: IcansDetails) -> Graded:
    """The ASTCT ICANS grade the recorded domains give (ICE from age 12, CAPD below)."""
    return icans_grade(findings_of(IcansFindings, vars(details)))


def derived_grades(adverse_event) -> list[tuple[str, Graded]]:
    """Each derived grade of one adverse event, e.g. [("CRS", Graded(4, …))]: two queries."""
    return [("CRS", derived_crs_grade(d)) for d in adverse_event.crs_details.all()] + [
        ("ICANS", derived_icans_grade(d)) for d in adverse_event.icans_details.all()]


def dlt_flags(adverse_event) -> list[DltCandidate]:
    """The event's open DLT candidates (raised by rule D1–D6 or an investigator): one query."""
    return list(DltCandidate.objects.filter(adverse_event=adverse_event).order_by("rule"))


def esigned_dlt_decisions() -> list[DltAdjudication]:
    """The current DLT decisions an investigator e-signed in this EDC (not migrated ones), with
    their adverse event and patient, by subject ID and onset: one query."""
    return list(DltAdjudication.objects.exclude(signature_meaning=MIGRATED_MEANING)
                .select_related("adverse_event__patient")
                .order_by("adverse_event__patient__subject_id", "adverse_event__onset_date",
                          "pk"))
