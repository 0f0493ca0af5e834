"""Browser form for CAR-T pharmacokinetic samples."""

from core.forms import CrfForm
from pk.models import PkSample


class PkSampleForm(CrfForm):
    class Meta:
        model = PkSample
        fields = ["nominal_day", "collected_at", "matrix", "car_copies_per_ug_gdna", "below_lloq",
                  "car_t_cells_per_uL"]
