from core.admin import register_clinical
from dosing.models import DoseLevel, Infusion, Lymphodepletion

register_clinical(DoseLevel, list_display=("code", "rank", "cells_per_kg", "total_cells"))
register_clinical(Lymphodepletion, list_display=("patient", "start_date", "days"),
                  list_select_related=("patient",))
register_clinical(Infusion, list_display=("patient", "number", "date", "dose_level"),
                  list_select_related=("patient", "dose_level"))
