"""Reads of dosing data that other apps share."""

from datetime import date

from django.db.models import Min

from dosing.models import Infusion


def first_infusion_dates(patient_ids=None) -> dict[int, date]:
    """Day 0 (the first RD13-02 infusion's date) per patient id (of every patient, or of those
    given), in one query."""
    infusions = Infusion.objects.all()
    if patient_ids is not None:
        infusions = infusions.filter(patient_id__in=patient_ids)
    return dict(infusions.values("patient_id").annotate(first=Min("date"))
                .values_list("patient_id", "first"))
