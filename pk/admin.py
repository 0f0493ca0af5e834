from core.admin import register_clinical
from pk.models import PkSample

register_clinical(PkSample, list_display=("patient", "nominal_day", "collected_at",
                                          "car_copies_per_ug_gdna", "below_lloq"),
                  list_select_related=("patient",))
