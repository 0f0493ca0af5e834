"""REST API v1 of the project package: whole-trial casebook exchange and the endpoint report.

`GET /api/v1/casebook/` exports the trial (admins, monitors); `POST /api/v1/casebook/` imports a
bundle (admins; `?replace=true` voids the current data first) with exactly the validation and the
messages of `manage.py import_casebook`: 400 `{"detail", "problems": [...]}` and nothing written.
"""

from datetime import date

from django.urls import path
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .casebook import BundleProblems, casebook_import_json, parse_bundle
from .casebook.dump import export_bundle
from .reports import data_review_report, endpoint_report
from .roles import EXPORT_CASEBOOK, IMPORT_CASEBOOK, VIEW_DATA_REVIEW, VIEW_REPORTS


class HasPermissionFor(BasePermission):
    """Per-method Django permissions: `required_permissions = {"GET": perm, "POST": perm}`."""

    def has_permission(self, request, view):
        needed = view.required_permissions.get(request.method)
        return needed is not None and request.user.has_perm(needed)


class CasebookView(APIView):
    permission_classes = [IsAuthenticated, HasPermissionFor]
    required_permissions = {"GET": EXPORT_CASEBOOK, "POST": IMPORT_CASEBOOK}

    def get(self, request):
        return Response(export_bundle())

    def post(self, request):
        replace = request.query_params.get("replace", "").lower() in {"1", "true", "yes"}
        try:
            counts = casebook_import_json(parse_bundle(request.body), replace=replace)
        except BundleProblems as problems:
            return Response({"detail": f"{len(problems.problems)} problem(s): nothing was "
                                       "imported.", "problems": problems.problems},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response({"imported": counts, "replaced": replace}, status=status.HTTP_201_CREATED)


class SnapshotView(APIView):
    """A listing of the latest snapshot for `?cutoff=YYYY-MM-DD` (default today)."""

    permission_classes = [IsAuthenticated, HasPermissionFor]
    serve = None

    def get(self, request):
        raw = request.query_params.get("cutoff")
        try:
            cutoff = date.fromisoformat(raw) if raw else None
        except ValueError:
            return Response({"detail": f"cutoff: {raw!r} is not a date YYYY-MM-DD"},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(type(self).serve(cutoff, recompute_if_stale=False))


class EndpointReportView(SnapshotView):
    """The endpoint report (contract §4); `snapshot.stale` when data changed since."""

    required_permissions = {"GET": VIEW_REPORTS}
    serve = endpoint_report


class DataReviewView(SnapshotView):
    """The data-review listing (contract §5): sponsors, monitors, investigators, coordinators."""

    required_permissions = {"GET": VIEW_DATA_REVIEW}
    serve = data_review_report


urlpatterns = [
    path("casebook/", CasebookView.as_view(), name="api-casebook"),
    path("reports/endpoints/", EndpointReportView.as_view(), name="api-endpoint-report"),
    path("reports/data-review/", DataReviewView.as_view(), name="api-data-review"),
]
