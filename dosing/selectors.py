"""Reads of dosing data that other apps share."""

from datetime import date

from django.db.models import Min

from dosing.models import Infusion, ProductLot


def first_infusion_dates(patient_ids=None) -> dict[int, date]:
    """Day 0 (the first RD13-02 infusion's date) per patient id (of every patient, or of those
    given), in one query."""
    infusions = Infusion.objects.all()
    if patient_ids is not None:
        infusions = infusions.filter(patient_id__in=patient_ids)
    return dict(infusions.values("patient_id").annotate(first=Min("date"))
                .values_list("patient_id", "first"))


def lot_rows():
    """Every product lot with its donor, the patient it is released for and its infusions:
    three queries."""
    return (ProductLot.objects.select_related("donor", "released_for")
            .prefetch_related("infusions__patient"))


def product_chain(infusion) -> list[tuple[str, str]]:
    """The chain of identity of an infusion, as (step, what) from the donor to the infusion:
    donor → lot → release → patient → infusion; empty when no registered lot is linked."""
    lot = infusion.lot
    if lot is None:
        return []
    donor = lot.donor
    eligible = f", eligible {donor.eligibility_date}" if donor.eligibility_date else ""
    match = f", HLA match {donor.hla_match}" if donor.hla_match else ""
    released = (f"{lot.get_release_status_display()} on {lot.release_date}"
                if lot.release_date else lot.get_release_status_display())
    dose = infusion.received_cells_per_kg
    given = f", {dose:.3g} CAR+ viable cells/kg received" if dose is not None else ""
    return [
        ("Donor", f"{donor.donor_code}{match}{eligible}"),
        ("Product lot", f"{lot.lot_number}, manufactured {lot.manufacture_date}"
                        f"{_results(lot)}"),
        ("Release", released),
        ("Released for", lot.released_for.subject_id if lot.released_for_id else "—"),
        ("Infusion", f"Infusion {infusion.number} of {infusion.patient.subject_id} on "
                     f"{infusion.date}{given}"),
    ]


def _results(lot) -> str:
    parts = [f"{label} {value:g}{unit}" for label, value, unit in (
        ("CAR+", lot.car_positive_pct, "%"), ("viability", lot.viability_pct, "%"),
        ("VCN", lot.vector_copies_per_cell, "/cell"))
        if value is not None]
    parts += [f"sterility {lot.sterility}", f"mycoplasma {lot.mycoplasma}"]
    return ": " + ", ".join(parts)
