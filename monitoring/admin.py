from core.admin import register_clinical
from monitoring.models import ProtocolDeviation

register_clinical(ProtocolDeviation, list_display=("patient", "category", "deviation_date",
                                                   "source", "edit_check", "important"))
