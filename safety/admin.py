from trial_edc.admin import register_clinical

from .models import (
    AdverseEvent,
    CrsDetails,
    DltAdjudication,
    DltCandidate,
    GvhdDetails,
    IcansDetails,
)

register_clinical(AdverseEvent, list_display=("patient", "term", "grade", "onset_date",
                                              "serious", "relatedness"),
                  list_select_related=("patient",), list_filter=("grade", "serious"))
register_clinical(CrsDetails, IcansDetails, GvhdDetails, DltCandidate, DltAdjudication,
                  list_display=("adverse_event", "__str__"),
                  list_select_related=("adverse_event",))
