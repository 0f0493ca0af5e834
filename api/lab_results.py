"""`POST /api/v1/pk-samples/`: the central lab posts PK results in bulk (exchange.lab_results).

Who may post: a user who may add PK samples, i.e. the roles that enter data (coordinators,
admins); a lab integration is given its own user in the coordinator role and a token. All or
nothing: one bad row and nothing is written, 400 with every problem; otherwise 201 with the
stored rows, each saved through the audit trail with the reason "central lab results".
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from api.errors import ErrorSerializer, error_body
from api.serializers import DescribedModelSerializer
from api.throttling import BulkWriteRateThrottle
from core.roles import VIEW_REPORTS
from exchange.lab_results import (
    LAB_RESULTS_REASON,
    MAX_SAMPLES_PER_BATCH,
    pk_samples_record_lab_results,
)
from exchange.services import BundleProblems
from pk.models import PkSample

ADD_PK_SAMPLE = "pk.add_pksample"


class LabResultSerializer(DescribedModelSerializer):
    """One posted sample: the casebook bundle's PK sample object plus the subject ID."""

    subject_id = serializers.CharField(help_text="The patient's subject ID, e.g. RD-001.")
    confirmed_checks = serializers.DictField(
        child=serializers.CharField(), required=False,
        help_text="Soft edit checks this sample breaks knowingly, each with the reason, e.g. "
                  "{\"EC-PK-02\": \"courier delayed\"} for a sample outside its window "
                  "(docs/edit-checks.md). Kept in the audit trail; each opens a system query "
                  "for the monitor. Without it such a sample is refused, naming the check.")

    class Meta:
        model = PkSample
        fields = ("subject_id", "nominal_day", "collected_at", "matrix",
                  "car_copies_per_ug_gdna", "below_lloq", "car_t_cells_per_uL",
                  "confirmed_checks")
        extra_kwargs = {
            "nominal_day": {"help_text": "Nominal study day of the sample (day 0 = infusion 1)."},
            "collected_at": {"help_text": "Collection time, ISO 8601 with an offset or Z."},
            "matrix": {"help_text": "Sampled matrix."},
            "car_copies_per_ug_gdna": {"help_text": (
                "CAR transgene copies per µg genomic DNA (qPCR); null when below the LLOQ.")},
            "below_lloq": {"help_text": "True when below the lower limit of quantification."},
            "car_t_cells_per_uL": {"help_text": "CAR-T cells per µL by flow cytometry."},
        }


class LabResultsCreatedSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Number of samples stored.")
    ids = serializers.ListField(child=serializers.IntegerField(),
                                help_text="Ids of the stored samples, in the order posted.")


class LabResultsCreate:
    """The create action of the PK sample listing."""

    required_permissions = {"GET": VIEW_REPORTS, "POST": ADD_PK_SAMPLE}

    def get_throttles(self):
        throttles = super().get_throttles()
        return [*throttles, BulkWriteRateThrottle()] if self.action == "create" else throttles

    @extend_schema(
        summary="Post PK results in bulk (central lab)",
        description=(
            f"A list of 1 to {MAX_SAMPLES_PER_BATCH} samples. Every row is checked with the "
            "casebook import's rules and messages (types, vocabularies, ranges, below-LLOQ "
            "rules, nothing after death or in the future), against the samples already "
            "recorded (edit check EC-PK-01) and against casebook locks; a sample outside its "
            "window (soft edit check EC-PK-02) needs `confirmed_checks` with a reason; one "
            "problem and nothing is written (400, each "
            "problem naming its row and field, a lock with who set it and when). Otherwise "
            "every sample is stored with an audit-trail entry attributed to the caller, reason "
            f"\"{LAB_RESULTS_REASON}\". Coordinators and admins may post. The body may be up "
            "to `REQUEST_BODY_MAX_BYTES` (default 2.5 MiB) and nest 32 levels."),
        request=LabResultSerializer(many=True),
        responses={201: LabResultsCreatedSerializer, 400: ErrorSerializer,
                   413: OpenApiResponse(ErrorSerializer, description=(
                       "The body is over REQUEST_BODY_MAX_BYTES; nothing was read or stored."))},
        examples=[OpenApiExample("Two samples", request_only=True, value=[
            {"subject_id": "RD-001", "nominal_day": 7, "collected_at": "2024-03-19T09:00:00Z",
             "matrix": "peripheral_blood", "car_copies_per_ug_gdna": 120000.0,
             "below_lloq": False, "car_t_cells_per_uL": 35.2},
            {"subject_id": "RD-001", "nominal_day": 14, "collected_at": "2024-03-26T09:00:00Z",
             "matrix": "peripheral_blood", "car_copies_per_ug_gdna": None, "below_lloq": True,
             "car_t_cells_per_uL": None}])],
    )
    def create(self, request, *args, **kwargs):
        try:
            samples = pk_samples_record_lab_results(rows=request.data, by=request.user,
                                                    today=timezone.localdate())
        except BundleProblems as problems:
            return Response(error_body(f"{len(problems.problems)} problem(s): nothing was "
                                       "stored.", problems.problems),
                            status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": len(samples), "ids": [s.pk for s in samples]},
                        status=status.HTTP_201_CREATED)
