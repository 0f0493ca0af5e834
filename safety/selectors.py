"""Reads for the safety pages: the ASTCT grades derived from what the CRS/ICANS details record."""

from dataclasses import fields

from .grading import CrsFindings, Graded, IcansFindings, crs_grade, icans_grade
from .models import CrsDetails, DltCandidate, IcansDetails


def _findings(record, findings_class):
    return findings_class(**{f.name: getattr(record, f.name) for f in fields(findings_class)})


def derived_crs_grade(details: CrsDetails) -> Graded:
    """The ASTCT CRS grade the recorded worst values give (Lee 2019), with what drove it."""
    return crs_grade(_findings(details, CrsFindings))


def derived_icans_grade(details: IcansDetails) -> Graded:
    """The ASTCT ICANS grade the recorded domains give (ICE from age 12, CAPD below)."""
    return icans_grade(_findings(details, IcansFindings))


def derived_grades(adverse_event) -> list[tuple[str, Graded]]:
    """Each derived grade of one adverse event, e.g. [("CRS", Graded(4, …))]: two queries."""
    return [("CRS", derived_crs_grade(d)) for d in adverse_event.crs_details.all()] + [
        ("ICANS", derived_icans_grade(d)) for d in adverse_event.icans_details.all()]


def dlt_flags(adverse_event) -> list[DltCandidate]:
    """The event's open DLT candidates (raised by rule D1–D6 or an investigator): one query."""
    return list(DltCandidate.objects.filter(adverse_event=adverse_event).order_by("rule"))
