"""Browser forms for lymphodepletion and RD13-02 infusions."""

from core.forms import CrfForm
from dosing.models import Infusion, Lymphodepletion


class LymphodepletionForm(CrfForm):
    class Meta:
        model = Lymphodepletion
        fields = ["start_date", "fludarabine_mg_m2_per_day", "cyclophosphamide_mg_m2_per_day",
                  "days"]


class InfusionForm(CrfForm):
    class Meta:
        model = Infusion
        fields = ["number", "date", "time", "dose_level", "cells_per_kg", "total_cells",
                  "weight_kg", "viability_pct", "product_lot"]
