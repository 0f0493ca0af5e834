"""`POST /api/v1/lab-results/`: the central lab posts haematology, chemistry and inflammation
results in bulk (exchange.lab_tests), as it posts PK results (`api.lab_results`): the same roles,
all or nothing, the same error body and messages, the same throttle and the audit reason
"central lab results".

Who may post: a user who may add laboratory results, i.e. the roles that enter data
(coordinators, admins); a lab integration is given its own user in the coordinator role and a
token. One bad row and nothing is written, 400 with every problem; otherwise 201 with the stored
rows' ids.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from api.errors import ErrorSerializer, error_body
from api.lab_results import LabResultsCreatedSerializer
from api.serializers import DescribedModelSerializer
from api.throttling import BulkWriteRateThrottle
from core.roles import VIEW_REPORTS
from exchange.lab_results import LAB_RESULTS_REASON, MAX_SAMPLES_PER_BATCH
from exchange.lab_tests import lab_results_record
from exchange.services import BundleProblems
from labs.models import LabResult

ADD_LAB_RESULT = "labs.add_labresult"


class LabTestSerializer(DescribedModelSerializer):
    """One posted result: the casebook bundle's lab result object plus the subject ID."""

    subject_id = serializers.CharField(help_text="The patient's subject ID, e.g. RD-001.")
    confirmed_checks = serializers.DictField(
        child=serializers.CharField(), required=False,
        help_text="Soft edit checks this result breaks knowingly, each with the reason "
                  "(docs/edit-checks.md); none is declared for laboratory results today.")

    class Meta:
        model = LabResult
        fields = ("subject_id", "collected_at", "test", "value", "unit", "below_detection",
                  "ref_low", "ref_high", "confirmed_checks")
        extra_kwargs = {
            "collected_at": {"help_text": "Collection time, ISO 8601 with an offset or Z."},
            "test": {"help_text": "The test, from the closed list."},
            "value": {"help_text": "The value in the test's unit; with below_detection, the "
                                   "limit of detection (reported as < value)."},
            "unit": {"help_text": "The test's unit (docs/labs.md); any other is refused."},
            "below_detection": {"help_text": "True when reported below the limit of detection."},
            "ref_low": {"help_text": "The site laboratory's lower reference limit (LLN)."},
            "ref_high": {"help_text": "The site laboratory's upper reference limit (ULN)."},
        }


class LabTestsCreate:
    """The create action of the laboratory result listing."""

    required_permissions = {"GET": VIEW_REPORTS, "POST": ADD_LAB_RESULT}

    def get_throttles(self):
        throttles = super().get_throttles()
        return [*throttles, BulkWriteRateThrottle()] if self.action == "create" else throttles

    @extend_schema(
        summary="Post laboratory results in bulk (central lab)",
        description=(
            f"A list of 1 to {MAX_SAMPLES_PER_BATCH} results. Every row is checked with the "
            "casebook import's rules and messages (types, the closed list of tests, the test's "
            "unit, ranges, nothing after death or in the future), against the results already "
            "recorded (edit check EC-LAB-01) and against casebook locks; one problem and "
            "nothing is written (400, each problem naming its row and field, a lock with who "
            "set it and when). Otherwise every result is stored with an audit-trail entry "
            f"attributed to the caller, reason \"{LAB_RESULTS_REASON}\". Coordinators and "
            "admins may post. The body may be up to `REQUEST_BODY_MAX_BYTES` (default 2.5 MiB) "
            "and nest 32 levels."),
        request=LabTestSerializer(many=True),
        responses={201: LabResultsCreatedSerializer, 400: ErrorSerializer,
                   413: OpenApiResponse(ErrorSerializer, description=(
                       "The body is over REQUEST_BODY_MAX_BYTES; nothing was read or stored."))},
        examples=[OpenApiExample("Two results", request_only=True, value=[
            {"subject_id": "RD-001", "collected_at": "2024-03-19T07:30:00Z", "test": "anc",
             "value": 0.3, "unit": "10^9/L", "below_detection": False, "ref_low": 1.8,
             "ref_high": 7.5},
            {"subject_id": "RD-001", "collected_at": "2024-03-19T07:30:00Z", "test": "alt",
             "value": 140, "unit": "U/L", "below_detection": False, "ref_low": 0,
             "ref_high": 40}])],
    )
    def create(self, request, *args, **kwargs):
        try:
            results = lab_results_record(rows=request.data, by=request.user,
                                         today=timezone.localdate())
        except BundleProblems as problems:
            return Response(error_body(f"{len(problems.problems)} problem(s): nothing was "
                                       "stored.", problems.problems),
                            status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": len(results), "ids": [r.pk for r in results]},
                        status=status.HTTP_201_CREATED)
