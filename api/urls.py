"""Routes of `/api/v1/`: the listings, the lab's PK post, the casebook and the reports."""

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
router.register("ltfu-visits", listings.LtfuVisitViewSet, basename="api-ltfu-visit")
router.register("protocol-deviations", listings.ProtocolDeviationViewSet,
                basename="api-protocol-deviation")
router.register("dlt-adjudications", listings.DltAdjudicationViewSet,
                basename="api-dlt-adjudication")

urlpatterns = [
    path("casebook/", CasebookBundleView.as_view(), name="api-casebook"),
    path("reports/endpoints/", EndpointReportView.as_view(), name="api-endpoint-report"),
    path("reports/data-review/", DataReviewView.as_view(), name="api-data-review"),
    *router.urls,
    # Anything else under /api/v1/ answers in the API's error body, not an HTML page.
    re_path(r"^", lambda request: JsonResponse(
        error_body(f"No such API URL: {request.path}"), status=404), name="api-not-found"),
]
