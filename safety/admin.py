from core.admin import ClinicalAdmin, register_clinical
from core.esignature import SIGNATURE_FIELDS
from safety.models import (
    AdverseEvent,
    ConcomitantMedication,
    CrsDetails,
    DltAdjudication,
    DltCandidate,
    GvhdDetails,
    IcansDetails,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)

register_clinical(AdverseEvent, list_display=("patient", "term", "grade", "onset_date",
                                              "serious", "relatedness"),
                  list_select_related=("patient",), list_filter=("grade", "serious"))
register_clinical(ConcomitantMedication, list_display=("patient", "drug", "start_date",
                                                      "stop_date", "ongoing", "treated_event"),
                  list_select_related=("patient", "treated_event"), list_filter=("drug",))
register_clinical(SecondaryMalignancy, list_display=("patient", "diagnosis_date", "malignancy_type",
                                                    "sample_sent", "transgene_result"),
                  list_select_related=("patient",))
register_clinical(RclTest, list_display=("patient", "timepoint", "sample_date", "result"),
                  list_select_related=("patient",), list_filter=("result",))
register_clinical(CrsDetails, IcansDetails, GvhdDetails, InfectionDetails, IecHsDetails,
                  DltCandidate,
                  list_display=("adverse_event", "__str__"),
                  list_select_related=("adverse_event",))
# A DLT decision is signed, and revoked, only on the DLT review page with the investigator's own
# password: the admin shows it and its history, and nobody adds, alters or voids one there.
register_clinical(DltAdjudication, list_display=("adverse_event", "__str__"),
                  list_select_related=("adverse_event",),
                  readonly_fields=(*ClinicalAdmin.readonly_fields, "adverse_event", "decision",
                                   "rationale", *SIGNATURE_FIELDS),
                  has_add_permission=lambda self, request: False,
                  has_change_permission=lambda self, request, obj=None: False)
