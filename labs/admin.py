from core.admin import register_clinical
from labs.models import LabResult

register_clinical(LabResult, list_display=("patient", "collected_at", "test", "value", "unit"),
                  list_select_related=("patient",))
