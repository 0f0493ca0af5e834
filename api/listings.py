"""Read-only listings of the trial's data for sponsors, monitors, investigators and admins.

Coordinators are refused (403): they read and enter the data on the casebook pages, and the API
listings are the reporting surface that docs/spec/contract.md §4 keeps from them. Voided records,
and the records of a voided patient or adverse event, are not listed. Each page takes the same
number of queries whatever the trial's size: the subject ID and the patient's dose level are
annotated, the few related rows a serializer reads are joined or prefetched.
"""

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from api import filters as f
from api import serializers as s
from api.lab_results import LabResultsCreate
from api.lab_tests import LabTestsCreate
from api.permissions import HasPermissionFor, sees_free_text
from casebook.selectors import patient_list
from core.models import Study
from core.roles import VIEW_REPORTS
from dosing.models import Infusion, ProductLot
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from labs.models import LabResult
from monitoring.models import ProtocolDeviation
from patients.models import (
    BridgingTherapy,
    DiseaseAtScreening,
    LtfuVisit,
    MedicalHistory,
    PriorTherapy,
    VitalSigns,
)
from pk.models import PkSample
from safety.models import (
    AdverseEvent,
    ConcomitantMedication,
    DltAdjudication,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)

SPONSOR_NOTE = (" Sponsors receive the de-identified shape: the fields marked 'Not sent to "
                "sponsors' are absent from their rows.")


def _dose_level_of(patient_path: str):
    first = Infusion.objects.filter(patient=OuterRef(patient_path)).order_by("number", "date")
    return Subquery(first.values("dose_level__code")[:1])


class ListingViewSet(viewsets.ReadOnlyModelViewSet):
    """Base of the listings: permission, de-identification, filters and ordering."""

    permission_classes = [IsAuthenticated, HasPermissionFor]
    required_permissions = {"GET": VIEW_REPORTS}
    filter_backends = [f.StrictFilterBackend, f.StableOrderingFilter]
    tie_breaker = "id"
    lookup_value_regex = "[0-9]+"
    model = None
    patient_path = "patient"
    own_dose_level = False  # an infusion's dose level is its own, not the patient's first
    related = ()
    prefetch = ()

    def get_queryset(self):
        path = self.patient_path
        dose_level = F("dose_level__code") if self.own_dose_level else _dose_level_of(path)
        return (self.model.objects.of_current_parents()
                .select_related(*self.related).prefetch_related(*self.prefetch)
                .annotate(subject_id=F(f"{path}__subject_id"), dose_level_code=dose_level))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        context["deidentified"] = (not getattr(self, "swagger_fake_view", False)
                                   and user is not None and not sees_free_text(user))
        return context


def _listing(model, serializer, filterset, *, what: str, ordering: tuple, ordering_fields,
             bases=(), **attrs):
    """A listing viewset with its OpenAPI descriptions."""
    described = extend_schema_view(
        list=extend_schema(summary=f"List {what}", description=(
            f"{what.capitalize()} of the trial, newest data included, voided records excluded; "
            f"paginated, filterable and ordered (default {', '.join(ordering)}, then id)."
            + SPONSOR_NOTE)),
        retrieve=extend_schema(summary=f"One of the {what}", description=(
            f"One record of the {what} listing, by id." + SPONSOR_NOTE), parameters=[
                OpenApiParameter("id", int, OpenApiParameter.PATH, description=s.ID_HELP)]),
    )
    body = {"model": model, "serializer_class": serializer, "filterset_class": filterset,
            "ordering": ordering, "ordering_fields": ordering_fields,
            "__doc__": f"The {what} listing.", **attrs}
    return described(type(f"{model.__name__}ViewSet", (*bases, ListingViewSet), body))


class PatientViewSet(ListingViewSet):
    """Patients, pseudonymous: no names, initials or dates of birth (the EDC keeps none)."""

    serializer_class = s.PatientRowSerializer
    filterset_class = f.PatientFilter
    lookup_field = "subject_id"
    lookup_value_regex = "[^/\x00]+"
    tie_breaker = "subject_id"
    ordering = ("subject_id",)
    ordering_fields = ("subject_id", "age_at_consent", "dose_level_code", "diagnosis")

    def get_queryset(self):
        return patient_list()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["today"] = timezone.localdate()
        context["dlt_window_days"] = Study.load().dlt_window_days
        return context


PatientViewSet = extend_schema_view(
    list=extend_schema(summary="List patients", description=(
        "Every current patient: subject ID, sex, age, diagnosis, screening blasts, the dose level "
        "of the first infusion and today's status. No names, initials or dates of birth (the EDC "
        "keeps none)." + SPONSOR_NOTE)),
    retrieve=extend_schema(summary="One patient", description=(
        "One patient by subject ID." + SPONSOR_NOTE), parameters=[OpenApiParameter(
            "subject_id", str, OpenApiParameter.PATH,
            description="The patient's subject ID, e.g. RD-001.")]),
)(PatientViewSet)


InfusionViewSet = _listing(
    Infusion, s.InfusionRowSerializer, f.InfusionFilter, what="infusions",
    ordering=("subject_id", "number"),
    ordering_fields=("subject_id", "date", "number", "dose_level_code"),
    related=("dose_level", "lot__donor"), own_dose_level=True)
AdverseEventViewSet = _listing(
    AdverseEvent, s.AdverseEventRowSerializer, f.AdverseEventFilter, what="adverse events",
    ordering=("subject_id", "onset_date"),
    ordering_fields=("subject_id", "onset_date", "grade", "dose_level_code"))
ResponseAssessmentViewSet = _listing(
    ResponseAssessment, s.ResponseAssessmentRowSerializer, f.ResponseAssessmentFilter,
    what="response assessments", ordering=("subject_id", "date"),
    ordering_fields=("subject_id", "date", "visit", "dose_level_code"))
DiseaseEventViewSet = _listing(
    DiseaseEvent, s.DiseaseEventRowSerializer, f.DiseaseEventFilter, what="disease events",
    ordering=("subject_id", "date"), ordering_fields=("subject_id", "date", "dose_level_code"))
HsctViewSet = _listing(
    Hsct, s.HsctRowSerializer, f.HsctFilter, what="HSCTs", ordering=("subject_id", "date"),
    ordering_fields=("subject_id", "date", "dose_level_code"))
DeathViewSet = _listing(
    Death, s.DeathRowSerializer, f.DeathFilter, what="deaths", ordering=("subject_id", "date"),
    ordering_fields=("subject_id", "date", "dose_level_code"))
PkSampleViewSet = _listing(
    PkSample, s.PkSampleRowSerializer, f.PkSampleFilter, what="PK samples",
    ordering=("subject_id", "collected_at"),
    ordering_fields=("subject_id", "collected_at", "nominal_day", "dose_level_code"),
    bases=(LabResultsCreate,))
LabResultViewSet = _listing(
    LabResult, s.LabResultRowSerializer, f.LabResultFilter, what="laboratory results",
    ordering=("subject_id", "collected_at"),
    ordering_fields=("subject_id", "collected_at", "test", "dose_level_code"),
    bases=(LabTestsCreate,))
ConcomitantMedicationViewSet = _listing(
    ConcomitantMedication, s.ConcomitantMedicationRowSerializer, f.ConcomitantMedicationFilter,
    what="concomitant medications", ordering=("subject_id", "start_date"),
    ordering_fields=("subject_id", "start_date", "drug", "dose_level_code"))
MedicalHistoryViewSet = _listing(
    MedicalHistory, s.MedicalHistoryRowSerializer, f.MedicalHistoryFilter,
    what="medical history", ordering=("subject_id", "start"),
    ordering_fields=("subject_id", "start", "dose_level_code"))
PriorTherapyViewSet = _listing(
    PriorTherapy, s.PriorTherapyRowSerializer, f.PriorTherapyFilter, what="prior therapies",
    ordering=("subject_id", "line_number", "start"),
    ordering_fields=("subject_id", "line_number", "start", "dose_level_code"))
DiseaseAtScreeningViewSet = _listing(
    DiseaseAtScreening, s.DiseaseAtScreeningRowSerializer, f.DiseaseAtScreeningFilter,
    what="disease at screening", ordering=("subject_id",),
    ordering_fields=("subject_id", "assessed_on", "dose_level_code"))
BridgingTherapyViewSet = _listing(
    BridgingTherapy, s.BridgingTherapyRowSerializer, f.BridgingTherapyFilter,
    what="bridging therapies", ordering=("subject_id", "start_date"),
    ordering_fields=("subject_id", "start_date", "dose_level_code"))
VitalSignsViewSet = _listing(
    VitalSigns, s.VitalSignsRowSerializer, f.VitalSignsFilter, what="vital signs",
    ordering=("subject_id", "measured_at"),
    ordering_fields=("subject_id", "measured_at", "dose_level_code"))
DltAdjudicationViewSet = _listing(
    DltAdjudication, s.DltAdjudicationRowSerializer, f.DltAdjudicationFilter,
    what="DLT adjudications", ordering=("subject_id", "signed_at"),
    ordering_fields=("subject_id", "signed_at", "decision", "dose_level_code"),
    patient_path="adverse_event__patient",
    related=("adverse_event", "signed_by"),
    prefetch=("signed_by__groups",))


@extend_schema_view(
    list=extend_schema(summary="List product lots", description=(
        "Every registered RD13-02 lot with its donor's code and HLA match, its release results "
        "and the patient it is released for (subject ID). The donor's HLA typing is never "
        "sent; the lots are the same for every reader.")),
    retrieve=extend_schema(summary="One product lot", parameters=[OpenApiParameter(
        "id", int, OpenApiParameter.PATH, description=s.ID_HELP)]),
)
class ProductLotViewSet(viewsets.ReadOnlyModelViewSet):
    """The product lots listing: trial-level master data, not a patient's records."""

    permission_classes = [IsAuthenticated, HasPermissionFor]
    required_permissions = {"GET": VIEW_REPORTS}
    serializer_class = s.ProductLotRowSerializer
    lookup_value_regex = "[0-9]+"
    queryset = ProductLot.objects.select_related("donor", "released_for").order_by(
        "lot_number", "id")


SecondaryMalignancyViewSet = _listing(
    SecondaryMalignancy, s.SecondaryMalignancyRowSerializer, f.SecondaryMalignancyFilter,
    what="secondary malignancies", ordering=("subject_id", "diagnosis_date"),
    ordering_fields=("subject_id", "diagnosis_date", "dose_level_code"))
RclTestViewSet = _listing(
    RclTest, s.RclTestRowSerializer, f.RclTestFilter, what="RCL tests",
    ordering=("subject_id", "sample_date"),
    ordering_fields=("subject_id", "sample_date", "timepoint", "dose_level_code"))
InfectionViewSet = _listing(
    InfectionDetails, s.InfectionRowSerializer, f.InfectionFilter, what="infections",
    ordering=("subject_id", "adverse_event__onset_date"),
    ordering_fields=("subject_id", "adverse_event__onset_date", "dose_level_code"),
    patient_path="adverse_event__patient", related=("adverse_event",))
IecHsViewSet = _listing(
    IecHsDetails, s.IecHsRowSerializer, f.IecHsFilter, what="IEC-HS details",
    ordering=("subject_id", "onset_date"),
    ordering_fields=("subject_id", "onset_date", "astct_grade", "dose_level_code"),
    patient_path="adverse_event__patient", related=("adverse_event",))
ProtocolDeviationViewSet = _listing(
    ProtocolDeviation, s.ProtocolDeviationRowSerializer, f.ProtocolDeviationFilter,
    what="protocol deviations", ordering=("subject_id", "deviation_date"),
    ordering_fields=("subject_id", "deviation_date", "category", "dose_level_code"))
LtfuVisitViewSet = _listing(
    LtfuVisit, s.LtfuVisitRowSerializer, f.LtfuVisitFilter,
    what="long-term follow-up visits", ordering=("subject_id", "contact_date"),
    ordering_fields=("subject_id", "contact_date", "visit", "dose_level_code"))
