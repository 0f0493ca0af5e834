"""Routes of `/api/v1/`: the listings, the central lab's PK and laboratory posts, the casebook
and the reports."""

from django.http import JsonResponse
from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from api import listings
from api.errors import error_body
from api.exchange import CasebookBundleView, DataReviewView, EndpointReportView

router = SimpleRouter()
router.register("patients", listings.PatientViewSet, basename="api-patient")
router.register("infusions", listings.InfusionViewSet, basename="api-infusion")
router.register("adverse-events", listings.AdverseEventViewSet, basename="api-adverse-event")
router.register("response-assessments", listings.ResponseAssessmentViewSet,
                basename="api-response-assessment")
router.register("disease-events", listings.DiseaseEventViewSet, basename="api-disease-event")
router.register("hsct", listings.HsctViewSet, basename="api-hsct")
router.register("deaths", listings.DeathViewSet, basename="api-death")
router.register("pk-samples", listings.PkSampleViewSet, basename="api-pk-sample")
router.register("lab-results", listings.LabResultViewSet, basename="api-lab-result")
router.register("product-lots", listings.ProductLotViewSet, basename="api-product-lot")
router.register("concomitant-medications", listings.ConcomitantMedicationViewSet,
                basename="api-concomitant-medication")
router.register("medical-history", listings.MedicalHistoryViewSet, basename="api-medical-history")
router.register("prior-therapies", listings.PriorTherapyViewSet, basename="api-prior-therapy")
router.register("disease-at-screening", listings.DiseaseAtScreeningViewSet,
                basename="api-disease-at-screening")
router.register("bridging-therapies", listings.BridgingTherapyViewSet,
                basename="api-bridging-therapy")
router.register("vital-signs", listings.VitalSignsViewSet, basename="api-vital-signs")
router.register("ltfu-visits", listings.LtfuVisitViewSet, basename="api-ltfu-visit")
router.register("protocol-deviations", listings.ProtocolDeviationViewSet,
                basename="api-protocol-deviation")
router.register("dlt-adjudications", listings.DltAdjudicationViewSet,
                basename="api-dlt-adjudication")
router.register("infections", listings.InfectionViewSet, basename="api-infection")
router.register("iec-hs", listings.IecHsViewSet, basename="api-iec-hs")
router.register("secondary-malignancies", listings.SecondaryMalignancyViewSet,
                basename="api-secondary-malignancy")
router.register("rcl-tests", listings.RclTestViewSet, basename="api-rcl-test")

urlpatterns = [
    path("casebook/", CasebookBundleView.as_view(), name="api-casebook"),
    path("reports/endpoints/", EndpointReportView.as_view(), name="api-endpoint-report"),
    path("reports/data-review/", DataReviewView.as_view(), name="api-data-review"),
    *router.urls,
    # Anything else under /api/v1/ answers in the API's error body, not an HTML page.
    re_path(r"^", lambda request: JsonResponse(
        error_body(f"No such API URL: {request.path}"), status=404), name="api-not-found"),
]
