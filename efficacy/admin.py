from core.admin import register_clinical
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment

register_clinical(ResponseAssessment, list_display=("patient", "visit", "date", "response"),
                  list_select_related=("patient",), list_filter=("visit", "response"))
register_clinical(DiseaseEvent, Hsct, Death, list_display=("patient", "date"),
                  list_select_related=("patient",))
