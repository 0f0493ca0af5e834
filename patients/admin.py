from core.admin import read_current_subject_ids_with, register_clinical
from patients.models import (
    BridgingTherapy,
    DiseaseAtScreening,
    EligibilityAssessment,
    FollowUpContact,
    LtfuVisit,
    MedicalHistory,
    Patient,
    PriorTherapy,
    VitalSigns,
)

register_clinical(Patient, list_display=("subject_id", "diagnosis", "consent_date",
                                         "enrollment_date", "off_study_date"),
                  search_fields=("subject_id",))
read_current_subject_ids_with(lambda: Patient.objects.values_list("subject_id", flat=True))
register_clinical(EligibilityAssessment, FollowUpContact, LtfuVisit, MedicalHistory, PriorTherapy,
                  DiseaseAtScreening, BridgingTherapy, VitalSigns,
                  list_display=("patient", "__str__"), list_select_related=("patient",))
