"""Browser forms for lymphodepletion and RD13-02 infusions, and the product's master data."""

from django.db.models import Q

from core.forms import CrfForm
from dosing.models import RELEASED, Donor, Infusion, Lymphodepletion, ProductLot


class LymphodepletionForm(CrfForm):
    class Meta:
        model = Lymphodepletion
        fields = ["start_date", "fludarabine_mg_m2_per_day", "cyclophosphamide_mg_m2_per_day",
                  "days"]


class InfusionForm(CrfForm):
    class Meta:
        model = Infusion
        fields = ["number", "date", "time", "dose_level", "lot", "product_lot", "received_at",
                  "thawed_at", "cells_per_kg", "total_cells", "weight_kg", "viability_pct"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer the released lots (and the one already linked, whatever its state now).
        linked = self.instance.lot_id
        lots = ProductLot.objects.select_related("released_for")
        self.fields["lot"].queryset = lots.filter(
            Q(release_status=RELEASED) | Q(pk=linked))
        self.fields["lot"].label_from_instance = _lot_choice


def _lot_choice(lot) -> str:
    patient = lot.released_for.subject_id if lot.released_for_id else "no patient"
    return f"{lot.lot_number} (released for {patient})"


class DonorForm(CrfForm):
    parent_field = None  # trial-level master data: no patient
    class Meta:
        model = Donor
        fields = ["donor_code", "hla_typing", "hla_match", "eligibility_date"]


class ProductLotForm(CrfForm):
    parent_field = None
    class Meta:
        model = ProductLot
        fields = ["lot_number", "donor", "manufacture_date", "car_positive_pct", "viability_pct",
                  "total_nucleated_cells", "viable_cells", "car_positive_viable_cells",
                  "sterility", "endotoxin_eu_per_ml", "mycoplasma", "vector_copies_per_cell",
                  "release_status", "release_date", "released_for"]
