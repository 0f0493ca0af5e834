"""Browser form for laboratory results (a log form: save and add another)."""

from core.forms import CrfForm
from labs.models import LabResult


class LabResultForm(CrfForm):
    class Meta:
        model = LabResult
        fields = ["collected_at", "test", "value", "unit", "below_detection", "ref_low",
                  "ref_high"]
