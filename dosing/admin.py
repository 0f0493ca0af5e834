from core.admin import register_clinical
from dosing.models import Donor, DoseLevel, Infusion, Lymphodepletion, ProductLot

register_clinical(DoseLevel, list_display=("code", "rank", "cells_per_kg", "total_cells"))
register_clinical(Lymphodepletion, list_display=("patient", "start_date", "days"),
                  list_select_related=("patient",))
register_clinical(Infusion, list_display=("patient", "number", "date", "dose_level", "lot"),
                  list_select_related=("patient", "dose_level", "lot"))
register_clinical(Donor, list_display=("donor_code", "hla_match", "eligibility_date"))
register_clinical(ProductLot, list_display=("lot_number", "donor", "manufacture_date",
                                            "release_status", "release_date", "released_for"),
                  list_select_related=("donor", "released_for"))
