"""Whole-trial casebook exchange and the reports (docs/spec/contract.md §2–§5).

`GET /api/v1/casebook/` exports the trial (admins, monitors); `POST /api/v1/casebook/` imports a
bundle (admins; `?replace=true` voids the current data first) with exactly the validation and the
messages of `manage.py import_casebook`: 400 `{"detail", "problems": [...]}` and nothing written.
An import through the API is recorded as the posting user's.
The endpoint report and the data review serve the latest snapshot for `?cutoff=` (a date up to
today); a past cutoff's is computed for the caller within their `report_on_demand` rate.
"""

from datetime import date

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import BodyTooLarge, ErrorSerializer, error_body
from api.permissions import HasPermissionFor
from api.throttling import report_on_demand_gate
from core.roles import EXPORT_CASEBOOK, IMPORT_CASEBOOK, VIEW_DATA_REVIEW, VIEW_REPORTS
from endpoints.cutoffs import CutoffRefused
from endpoints.serving import OnDemandRefused, data_review_report, endpoint_report
from exchange.dump import export_bundle
from exchange.services import BundleProblems, bundle_import_json, parse_bundle

BUNDLE = inline_serializer("CasebookBundle", {
    "format": serializers.ChoiceField(choices=["edc-casebook"], help_text="Always edc-casebook."),
    "version": serializers.ChoiceField(choices=[1], help_text="The bundle format's version."),
    "study": serializers.DictField(help_text="Protocol settings and dose levels (contract §3)."),
    "patients": serializers.ListField(
        child=serializers.DictField(), help_text="Each patient's whole record (contract §3)."),
})
CUTOFF = OpenApiParameter(
    "cutoff", OpenApiTypes.DATE, description=(
        "Data cutoff, YYYY-MM-DD, from 1900-01-01 to today; default today. A past cutoff's "
        "report is computed when first asked for (and again when the data changed since), a "
        "limited number of times per caller (`REPORT_ON_DEMAND_RATE`, default 30 an hour; "
        "beyond it 429 with Retry-After); the reports of the last `REPORT_PAST_CUTOFFS_KEPT` "
        "(default 50) past cutoffs asked for are kept."))


BIGGER_BUNDLES = " Import a bundle this large with `manage.py import_casebook FILE`."


def _json(help_text: str):
    return serializers.JSONField(help_text=help_text)


class CasebookBundleView(APIView):
    permission_classes = [IsAuthenticated, HasPermissionFor]
    required_permissions = {"GET": EXPORT_CASEBOOK, "POST": IMPORT_CASEBOOK}

    @extend_schema(
        summary="Export the casebook bundle",
        description="Every patient's data as a casebook bundle (`format: edc-casebook`, "
                    "`version: 1`, contract §3). Admins and monitors.",
        responses={200: BUNDLE})
    def get(self, request):
        return Response(export_bundle())

    @extend_schema(
        summary="Import a casebook bundle",
        description="Validates the whole bundle first, as `manage.py import_casebook` does; on "
                    "any problem nothing is imported and every problem comes back with its "
                    "JSON path. Admins only. The audit trail records the import as the "
                    "caller's; the bundle's DLT decisions come in as migrated decisions, not "
                    "e-signatures. The body may be up to `CASEBOOK_UPLOAD_MAX_BYTES` "
                    "(default 16 MiB, some 700 patients of the demo trial); a larger bundle is "
                    "imported with `manage.py import_casebook FILE`. JSON nested more than 32 "
                    "levels deep is refused.",
        parameters=[OpenApiParameter(
            "replace", OpenApiTypes.BOOL,
            description="true: void the trial's current clinical data (kept, audited) first; "
                        "refused (400) while a form or casebook is locked or a DLT decision "
                        "e-signed by an investigator is current."),
            OpenApiParameter(
                "confirm_soft_checks", OpenApiTypes.STR,
                description="The reason confirming every soft edit check the bundle breaks "
                            "(docs/edit-checks.md); each then opens a system query for the "
                            "monitor. Without it a soft check is a problem (400) naming the "
                            "check.")],
        request=BUNDLE,
        responses={201: inline_serializer("CasebookImported", {
            "imported": serializers.DictField(child=serializers.IntegerField(),
                                              help_text="Rows written per form."),
            "replaced": serializers.BooleanField(help_text="Whether the data was replaced."),
        }), 400: ErrorSerializer, 413: OpenApiResponse(ErrorSerializer, description=(
            "The body is over CASEBOOK_UPLOAD_MAX_BYTES; nothing was read or imported."))})
    def post(self, request):
        replace = request.query_params.get("replace", "").lower() in {"1", "true", "yes"}
        body = _bundle_body(request)
        try:
            counts = bundle_import_json(
                parse_bundle(body), replace=replace, by=request.user,
                confirm_soft_checks=request.query_params.get("confirm_soft_checks", ""))
        except BundleProblems as problems:
            return Response(error_body(f"{len(problems.problems)} problem(s): nothing was "
                                       "imported.", problems.problems),
                            status=status.HTTP_400_BAD_REQUEST)
        return Response({"imported": counts, "replaced": replace}, status=status.HTTP_201_CREATED)


def _bundle_body(request) -> bytes:
    """The raw body, up to the casebook import's own limit: a whole trial is larger than any
    other request, so the body is read here rather than through the general limit."""
    limit = settings.CASEBOOK_UPLOAD_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge(limit, "CASEBOOK_UPLOAD_MAX_BYTES", BIGGER_BUNDLES)
    body = request.stream.read(limit + 1) if request.stream is not None else b""
    if len(body) > limit:
        raise BodyTooLarge(limit, "CASEBOOK_UPLOAD_MAX_BYTES", BIGGER_BUNDLES)
    return body


class SnapshotView(APIView):
    """A listing of the latest snapshot for `?cutoff=YYYY-MM-DD` (default today)."""

    permission_classes = [IsAuthenticated, HasPermissionFor]
    serve = None

    def get(self, request):
        raw = request.query_params.get("cutoff")
        try:
            cutoff = date.fromisoformat(raw) if raw is not None else None
        except ValueError:
            return _bad_cutoff(f"cutoff: {raw!r} is not a date YYYY-MM-DD")
        try:
            return Response(type(self).serve(cutoff, recompute_if_stale=False,
                                             may_compute=report_on_demand_gate(request)))
        except CutoffRefused as refused:
            return _bad_cutoff(str(refused))
        except OnDemandRefused as refused:
            raise Throttled(wait=refused.wait_seconds, detail=f"{refused}.") from refused


def _bad_cutoff(problem: str) -> Response:
    return Response(error_body(problem, [problem]), status=status.HTTP_400_BAD_REQUEST)


SNAPSHOT = inline_serializer("Snapshot", {
    "computed_at": serializers.DateTimeField(help_text="When the snapshot was computed."),
    "data_version": serializers.CharField(help_text="The audit trail's position it was "
                                                    "computed from."),
    "stale": serializers.BooleanField(help_text="True when data changed since today's "
                                                "snapshot; a recompute is scheduled. A past "
                                                "cutoff's report is recomputed instead."),
    "duration_ms": serializers.FloatField(help_text="How long the computation took (ms)."),
}, help_text="The snapshot the report comes from, and whether it is stale.")


def _snapshot_schema(name: str, summary: str, description: str, fields: dict):
    return extend_schema(summary=summary, description=description, parameters=[CUTOFF],
                         responses={200: inline_serializer(name, {
                             "cutoff": serializers.DateField(help_text="The data cutoff."),
                             **fields}),
                             400: OpenApiResponse(ErrorSerializer, description=(
                                 "The cutoff is not a date, is after today or before "
                                 "1900-01-01.")),
                             429: OpenApiResponse(ErrorSerializer, description=(
                                 "Too many past-cutoff reports computed for this caller; "
                                 "Retry-After says when to ask again."))})


@_snapshot_schema(
    "EndpointReport", "The endpoint report",
    "The latest snapshot's endpoint report for the cutoff (contract §4; definitions in "
    "endpoints.md). Sponsors, monitors, investigators and admins.", {
        "snapshot": SNAPSHOT,
        "populations": _json("Enrolled, infused and DLT-evaluable patients."),
        "dlt": _json("DLTs by dose level and overall, with the escalation recommendation."),
        "orr": _json("Overall response (CR/CRi and CR/CRi/PR) at W4, W8, W12 and best by W12."),
        "mrd_orr": _json("MRD-negative CR/CRi rate with its interval."),
        "hsct": _json("Share of infused patients bridged to HSCT, with its interval."),
        "dor": _json("Duration of response: Kaplan–Meier curve, median, rates at days."),
        "efs": _json("Event-free survival, same shape as dor."),
        "os": _json("Overall survival, same shape as dor."),
        "dor_censored_at_hsct": _json("DOR censored at HSCT, same shape as dor."),
        "efs_censored_at_hsct": _json("EFS censored at HSCT, same shape as dor."),
        "pk": _json("CAR-T expansion: per-patient Cmax, Tmax, AUC0–28 and per dose level."),
    })
class EndpointReportView(SnapshotView):
    """The endpoint report (docs/spec/contract.md §4); `snapshot.stale` when data changed since."""

    required_permissions = {"GET": VIEW_REPORTS}
    serve = endpoint_report


@_snapshot_schema(
    "DataReview", "The data-review listing",
    "Everything the rules flag, for the monitors (contract §5). Sponsors, monitors, "
    "investigators, coordinators and admins.", {
        "findings": inline_serializer("Finding", {
            "subject_id": serializers.CharField(help_text="The patient's subject ID."),
            "rule": serializers.CharField(help_text="The rule, e.g. crs_grade_mismatch."),
            "date": serializers.DateField(allow_null=True,
                                          help_text="Date of the record concerned."),
            "recorded": _json("The value as recorded (null for a pending DLT candidate)."),
            "derived": _json("The value the rules derive (the rule id for a DLT candidate)."),
            "message": serializers.CharField(help_text="The finding in one sentence."),
        }, many=True, help_text="Everything the rules flag, one finding per record and rule."),
    })
class DataReviewView(SnapshotView):
    """The data-review listing (docs/spec/contract.md §5): sponsors, monitors, investigators,
    coordinators."""

    required_permissions = {"GET": VIEW_DATA_REVIEW}
    serve = data_review_report
