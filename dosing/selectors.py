"""Reads of dosing data that other apps share."""

from datetime import date

from django.db.models import Min

from .models import Infusion


def first_infusion_dates() -> dict[int, date]:
    """Day 0 (the first RD13-02 infusion's date) per patient id, in one query."""
    return dict(Infusion.objects.values("patient_id").annotate(first=Min("date"))
                .values_list("patient_id", "first"))
