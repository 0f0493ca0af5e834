"""Whether a signed casebook's data changed after the signature, read from the audit trail.

A signature attests the data as they were when it was given (21 CFR Part 11 §11.70: the
signature is linked to its record). Any audited change after it to the patient's data (a CRF
saved or voided, a DLT decision signed or revoked) makes it "data changed since signing"; the
signature itself is kept, and the investigator signs again.
"""

from django.db.models import CharField, Exists, OuterRef, Value

from dosing.models import Infusion, Lymphodepletion
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from labs.models import LabResult
from monitoring.models import ProtocolDeviation
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
from pk.models import PkSample
from safety.models import (
    AdverseEvent,
    ConcomitantMedication,
    CrsDetails,
    DltAdjudication,
    GvhdDetails,
    IcansDetails,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)
from signoff.models import CasebookSignature

# The records a casebook signature covers: every CRF (a test holds this list to the CRFs of
# the browser EDC, `casebook.crfs.CRFS`) and the investigator's DLT decisions.
SIGNED_MODELS = (
    Patient, EligibilityAssessment, Lymphodepletion, Infusion, AdverseEvent, CrsDetails,
    IcansDetails, GvhdDetails, InfectionDetails, IecHsDetails, ResponseAssessment, DiseaseEvent,
    Hsct, Death, PkSample, LabResult, SecondaryMalignancy, RclTest, FollowUpContact,
    ConcomitantMedication, DltAdjudication, MedicalHistory, PriorTherapy, DiseaseAtScreening,
    BridgingTherapy, VitalSigns, LtfuVisit, ProtocolDeviation,
)


def _patient_path(model) -> str:
    """The lookup from a history row to its patient's id."""
    if model is Patient:
        return "id"
    fields = {f.name for f in model._meta.get_fields()}
    return "patient_id" if "patient" in fields else "adverse_event__patient_id"


def _history_after(model, patient_ref, since_ref):
    return model.history.filter(**{_patient_path(model): patient_ref,
                                   "history_date__gt": since_ref})


def signatures(patient_ids) -> dict[int, CasebookSignature]:
    """{patient id: active signature, with `data_changed` set}: one query where none of the
    patients is signed, two where some are (the second with one EXISTS per signed model on each
    signature), whatever the trial's size. Most casebooks are unsigned most of the time: their
    pages do not pay for building and planning the fifteen EXISTS."""
    found = {signature.patient_id: signature for signature in
             CasebookSignature.objects.filter(patient_id__in=patient_ids)
             .select_related("signed_by")}
    if not found:
        return found
    flags = {f"changed_{i}": Exists(_history_after(model, OuterRef("patient_id"),
                                                   OuterRef("signed_at")))
             for i, model in enumerate(SIGNED_MODELS)}
    for patient_id, *changed in (CasebookSignature.objects
                                 .filter(pk__in=[s.pk for s in found.values()])
                                 .annotate(**flags).values_list("patient_id", *flags)):
        found[patient_id].data_changed = any(changed)
    return found


def casebook_signature(patient) -> CasebookSignature | None:
    """The patient's active signature with `data_changed`, or None: one query."""
    return signatures([patient.pk]).get(patient.pk)


def changes_since(signature: CasebookSignature) -> list[dict]:
    """What changed in the casebook after the signature, newest first: form, record, when, who
    and why, from the audit trail. One query (a UNION over the signed models' histories)."""
    parts = [
        _history_after(model, signature.patient_id, signature.signed_at).values_list(
            Value(str(model._meta.verbose_name), output_field=CharField()), "id",
            "history_date", "history_user__username", "history_change_reason").order_by()
        for model in SIGNED_MODELS]
    first, *others = parts
    rows = first.union(*others, all=True).order_by("-history_date")
    return [{"form": form, "record_id": pk, "when": when, "who": who, "reason": reason}
            for form, pk, when, who, reason in rows]
