"""Browser forms for response assessments, relapse/progression, HSCT and death."""

from core.forms import CrfForm
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment


class ResponseAssessmentForm(CrfForm):
    class Meta:
        model = ResponseAssessment
        fields = ["visit", "date", "marrow_blasts_pct", "mrd_pct", "peripheral_blasts",
                  "extramedullary", "anc_per_uL", "platelets_per_uL", "response"]


class DiseaseEventForm(CrfForm):
    class Meta:
        model = DiseaseEvent
        fields = ["date", "type", "site"]


class HsctForm(CrfForm):
    class Meta:
        model = Hsct
        fields = ["date", "donor_type"]


class DeathForm(CrfForm):
    class Meta:
        model = Death
        fields = ["date", "cause"]
