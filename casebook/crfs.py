"""The case report forms a coordinator enters in the browser, by the slug in their URLs.

Each CRF belongs to a patient, or to one of the patient's adverse events (the CRS, ICANS, GVHD,
infection and IEC-HS details that grade or describe it). Lookups check that a record belongs to
the patient in the URL, so a hand-edited URL cannot reach another patient's record under this
one's name.
"""

from dataclasses import dataclass

from django.http import Http404

from dosing.forms import InfusionForm, LymphodepletionForm
from efficacy.forms import DeathForm, DiseaseEventForm, HsctForm, ResponseAssessmentForm
from labs.forms import LabResultForm
from monitoring.forms import ProtocolDeviationForm
from patients.forms import (
    BridgingTherapyForm,
    DiseaseAtScreeningForm,
    EligibilityForm,
    FollowUpContactForm,
    LtfuVisitForm,
    MedicalHistoryForm,
    PatientForm,
    PriorTherapyForm,
    VitalSignsForm,
)
from patients.models import Patient
from pk.forms import PkSampleForm
from safety.forms import (
    AdverseEventForm,
    ConcomitantMedicationForm,
    CrsDetailsForm,
    GvhdDetailsForm,
    IcansDetailsForm,
    IecHsDetailsForm,
    InfectionDetailsForm,
    RclTestForm,
    SecondaryMalignancyForm,
)
from safety.models import AdverseEvent

# CRFs a monitor enters too (RAISE_QUERY), besides the coordinators (ENTER_CRF).
MONITOR_ENTERED = frozenset({"protocol-deviation"})


@dataclass(frozen=True)
class Crf:
    slug: str
    title: str
    form: type
    parent: str = "patient"  # or "adverse_event"
    derives: bool = False  # the form shows a value derived live from what is typed

    @property
    def noun(self) -> str:
        """The title inside a sentence: "adverse event", but "HSCT" and "PK sample" kept."""
        return self.title if self.title[:2].isupper() else self.title[0].lower() + self.title[1:]

    @property
    def model(self):
        return self.form._meta.model

    def belongs_to(self, patient):
        """The filter that keeps this CRF's records to one patient."""
        if self.model is Patient:
            # The record is the patient itself; the pk is the record's own, filtered beside this.
            return {"subject_id": patient.subject_id}
        if self.parent == "adverse_event":
            return {"adverse_event__patient": patient}
        return {"patient": patient}


CRFS = {crf.slug: crf for crf in (
    Crf("patient", "Patient", PatientForm),
    Crf("eligibility", "Eligibility", EligibilityForm),
    Crf("medical-history", "Medical history", MedicalHistoryForm),
    Crf("prior-therapy", "Prior therapy", PriorTherapyForm),
    Crf("disease-at-screening", "Disease at screening", DiseaseAtScreeningForm),
    Crf("bridging-therapy", "Bridging therapy", BridgingTherapyForm),
    Crf("lymphodepletion", "Lymphodepletion", LymphodepletionForm),
    Crf("infusion", "Infusion", InfusionForm),
    Crf("adverse-event", "Adverse event", AdverseEventForm, derives=True),
    Crf("crs", "CRS details", CrsDetailsForm, parent="adverse_event", derives=True),
    Crf("icans", "ICANS details", IcansDetailsForm, parent="adverse_event", derives=True),
    Crf("gvhd", "GVHD details", GvhdDetailsForm, parent="adverse_event"),
    Crf("conmed", "Concomitant medication", ConcomitantMedicationForm),
    Crf("infection", "Infection details", InfectionDetailsForm, parent="adverse_event"),
    Crf("iec-hs", "IEC-HS details", IecHsDetailsForm, parent="adverse_event"),
    Crf("response", "Response assessment", ResponseAssessmentForm, derives=True),
    Crf("disease-event", "Relapse or progression", DiseaseEventForm),
    Crf("hsct", "HSCT", HsctForm),
    Crf("death", "Death", DeathForm),
    Crf("pk-sample", "PK sample", PkSampleForm),
    Crf("lab-result", "Laboratory result", LabResultForm, derives=True),
    Crf("secondary-malignancy", "Secondary malignancy", SecondaryMalignancyForm),
    Crf("rcl-test", "RCL test", RclTestForm),
    Crf("vital-signs", "Vital signs", VitalSignsForm),
    Crf("follow-up", "Follow-up contact", FollowUpContactForm),
    Crf("ltfu-visit", "Long-term follow-up visit", LtfuVisitForm),
    Crf("protocol-deviation", "Protocol deviation", ProtocolDeviationForm),
)}
AE_DETAILS = tuple(crf for crf in CRFS.values() if crf.parent == "adverse_event")
_BY_MODEL = {crf.model: crf for crf in CRFS.values()}


def crf_or_404(slug: str) -> Crf:
    try:
        return CRFS[slug]
    except KeyError:
        raise Http404(f"No case report form {slug!r}.") from None


def crf_of_model(model) -> Crf | None:
    return _BY_MODEL.get(model)


def record_or_404(crf: Crf, patient, pk: int, *, include_voided: bool = False):
    """One of the patient's records; voided ones only for reading (detail, audit trail)."""
    manager = crf.model.all_objects if include_voided else crf.model.objects
    # Two filters: the patient's own form filters on the patient's pk as well.
    record = manager.filter(pk=pk).filter(**crf.belongs_to(patient)).first()
    if record is None:
        raise Http404(f"No {crf.title} {pk} for {patient.subject_id}.")
    return record


def new_record(crf: Crf, patient, adverse_event_pk: int | None = None):
    """An unsaved record linked to its parent, so the form's date rules see the patient."""
    if crf.model is Patient:
        raise Http404("A patient is enrolled from the patient list, not inside a casebook.")
    if crf.parent == "adverse_event":
        adverse_event = AdverseEvent.objects.filter(pk=adverse_event_pk, patient=patient).first()
        if adverse_event is None:
            raise Http404(f"No adverse event {adverse_event_pk} for {patient.subject_id}.")
        return crf.model(adverse_event=adverse_event)
    if adverse_event_pk is not None:
        raise Http404(f"A {crf.title} belongs to the patient, not to an adverse event.")
    return crf.model(patient=patient)
