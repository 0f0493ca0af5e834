"""The rows of the API listings, in two shapes: the full one, and the sponsor's de-identified one.

The fields a sponsor does not receive (free text and references to people) are those
`core.sponsor_share` declares for every sponsor channel; they are sent only to readers who
may open the CRFs (`permissions.sees_free_text`), and a sponsor's rows do not carry those keys at
all. The patient listing carries no names, initials or dates of birth for anyone: the EDC keeps
none.

Every field is described in the OpenAPI schema from the model's help text or verbose name.
"""

from django.utils.text import capfirst
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.ranges import RangeValidator
from core.roles import role_of
from core.sponsor_share import withheld_fields
from dosing.models import Infusion, ProductLot
from efficacy.models import Death, DiseaseEvent, Hsct, ResponseAssessment
from labs.models import LabResult
from monitoring.models import ProtocolDeviation
from patients.models import (
    EXTRAMEDULLARY_SITES,
    VITAL_VALUES,
    BridgingTherapy,
    DiseaseAtScreening,
    LtfuVisit,
    MedicalHistory,
    Patient,
    PriorTherapy,
    VitalSigns,
)
from patients.status import patient_status
from pk.models import PkSample
from safety.grading import lab_grade
from safety.models import (
    SERIOUSNESS_CRITERIA,
    AdverseEvent,
    ConcomitantMedication,
    DltAdjudication,
    IecHsDetails,
    InfectionDetails,
    RclTest,
    SecondaryMalignancy,
)

SUBJECT_HELP = "The patient's pseudonymous study code, e.g. RD-001."
DOSE_LEVEL_HELP = ("Code of the dose level of the patient's first infusion (e.g. DL2); null "
                   "before any infusion.")
ID_HELP = "Identifier of this record in the EDC; stable, never reused."


class DescribedModelSerializer(serializers.ModelSerializer):
    """Every field described in the schema: the model's help text or verbose name, and the
    allowed range (core.ranges) as words and, where inclusive, as minimum and maximum."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if not kwargs.get("help_text"):
            kwargs["help_text"] = capfirst(str(model_field.verbose_name)) + "."
        for validator in model_field.validators:
            if isinstance(validator, RangeValidator):
                allowed = validator.range
                kwargs["help_text"] += f" Must be {allowed.meaning}."
                if allowed.low is not None and not allowed.low_exclusive:
                    kwargs["min_value"] = allowed.low
                if allowed.high is not None:
                    kwargs["max_value"] = allowed.high
        return field_class, kwargs


class ListingSerializer(DescribedModelSerializer):
    """A listing row; the fields `sponsor_share` withholds are left out for readers without CRF
    access."""

    @classmethod
    def not_for_sponsors(cls) -> frozenset[str]:
        return withheld_fields(cls.Meta.model) & set(cls.Meta.fields)

    def get_fields(self):
        fields = super().get_fields()
        if self.context.get("deidentified"):
            for name in self.not_for_sponsors():
                fields.pop(name)
        return fields

    def get_extra_kwargs(self):
        # Absent from a sponsor's rows, so not required in the schema; every row is output only.
        extra = super().get_extra_kwargs()
        for name in self.not_for_sponsors():
            extra.setdefault(name, {})["required"] = False
        return extra

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in self.not_for_sponsors():
            kwargs["help_text"] += " Not sent to sponsors."
        return field_class, kwargs


class PatientRowSerializer(ListingSerializer):
    subject_id = serializers.CharField(help_text=SUBJECT_HELP)
    dose_level = serializers.CharField(source="dose_level_code", allow_null=True,
                                       help_text=DOSE_LEVEL_HELP)
    first_infusion_date = serializers.DateField(
        allow_null=True, help_text="Date of infusion number 1 (day 0); null before it.")
    status = serializers.SerializerMethodField(
        help_text="Where the patient stands today: screening, enrolled, infused day N (within "
                  "the DLT window), follow-up, off study or died.")

    class Meta:
        model = Patient
        fields = ("subject_id", "sex", "age_at_consent", "diagnosis", "cd7_positive_blasts_pct",
                  "screening_marrow_blasts_pct", "dose_level", "status", "consent_date",
                  "enrollment_date", "first_infusion_date", "off_study_date", "off_study_reason")

    def get_status(self, patient) -> str:
        return patient_status(
            enrollment_date=patient.enrollment_date,
            first_infusion_date=patient.first_infusion_date,
            off_study_date=patient.off_study_date, death_date=patient.death_date,
            today=self.context["today"], dlt_window_days=self.context["dlt_window_days"])


class PatientRecordSerializer(ListingSerializer):
    """A record of one patient: its id, the subject ID and the patient's dose level first."""

    id = serializers.IntegerField(help_text=ID_HELP)
    subject_id = serializers.CharField(help_text=SUBJECT_HELP)
    dose_level = serializers.CharField(source="dose_level_code", allow_null=True,
                                       help_text=DOSE_LEVEL_HELP)

    LEAD = ("id", "subject_id", "dose_level")


class InfusionRowSerializer(PatientRecordSerializer):
    dose_level = serializers.CharField(source="dose_level_code",
                                       help_text="Code of the dose level of this infusion.")
    effective_cells_per_kg = serializers.FloatField(
        allow_null=True, help_text="CAR-T cells per kg as recorded, else total cells divided by "
                                   "body weight where both are known; null otherwise.")

    lot_number = serializers.CharField(
        source="lot.lot_number", allow_null=True, default=None,
        help_text="The registered product lot linked to this infusion; null when only "
                  "`product_lot` text was recorded.")
    lot_release_status = serializers.CharField(
        source="lot.release_status", allow_null=True, default=None,
        help_text="The linked lot's release status: released, quarantined or rejected.")
    donor_code = serializers.CharField(
        source="lot.donor.donor_code", allow_null=True, default=None,
        help_text="The code of the linked lot's donor (the HLA typing is never sent).")
    received_cells_per_kg = serializers.FloatField(
        allow_null=True, help_text="The dose received: the linked lot's CAR+ viable cells "
                                   "divided by body weight; without a lot, as "
                                   "effective_cells_per_kg.")

    class Meta:
        model = Infusion
        fields = (*PatientRecordSerializer.LEAD, "number", "date", "time", "cells_per_kg",
                  "total_cells", "weight_kg", "effective_cells_per_kg", "viability_pct",
                  "product_lot", "lot_number", "lot_release_status", "donor_code",
                  "received_at", "thawed_at", "received_cells_per_kg")


class ProductLotRowSerializer(ListingSerializer):
    """A product lot with its release results. The donor's HLA typing is not part of the API
    (genetic data of a named donor's tissue type): only the donor code and the HLA match."""

    id = serializers.IntegerField(help_text=ID_HELP)
    donor_code = serializers.CharField(source="donor.donor_code",
                                       help_text="The donor's code, e.g. D-017.")
    donor_hla_match = serializers.CharField(
        source="donor.hla_match", help_text="Matched alleles of those typed, e.g. 5/10; "
                                            "empty when not recorded.")
    released_for = serializers.CharField(
        source="released_for.subject_id", allow_null=True, default=None,
        help_text="The subject ID of the patient the lot is released for; null before release.")

    class Meta:
        model = ProductLot
        fields = ("id", "lot_number", "donor_code", "donor_hla_match", "manufacture_date",
                  "car_positive_pct", "viability_pct", "total_nucleated_cells", "viable_cells",
                  "car_positive_viable_cells", "sterility", "endotoxin_eu_per_ml", "mycoplasma",
                  "vector_copies_per_cell", "release_status", "release_date", "released_for")


class AdverseEventRowSerializer(PatientRecordSerializer):
    class Meta:
        model = AdverseEvent
        fields = (*PatientRecordSerializer.LEAD, "term", "grade", "onset_date",
                  "resolution_date", "serious", *SERIOUSNESS_CRITERIA, "relatedness", "outcome",
                  "action_taken", "site_aware_at", "sponsor_reported_at", "narrative")


class ResponseAssessmentRowSerializer(PatientRecordSerializer):
    class Meta:
        model = ResponseAssessment
        fields = (*PatientRecordSerializer.LEAD, "visit", "date", "marrow_blasts_pct", "mrd_pct",
                  "mrd_below_detection",
                  "peripheral_blasts", "extramedullary", "anc_per_uL", "platelets_per_uL",
                  "response")


class DiseaseEventRowSerializer(PatientRecordSerializer):
    class Meta:
        model = DiseaseEvent
        fields = (*PatientRecordSerializer.LEAD, "date", "type", "site")


class HsctRowSerializer(PatientRecordSerializer):
    class Meta:
        model = Hsct
        fields = (*PatientRecordSerializer.LEAD, "date", "donor_type")


class DeathRowSerializer(PatientRecordSerializer):
    class Meta:
        model = Death
        fields = (*PatientRecordSerializer.LEAD, "date", "cause")


class PkSampleRowSerializer(PatientRecordSerializer):
    class Meta:
        model = PkSample
        fields = (*PatientRecordSerializer.LEAD, "nominal_day", "collected_at", "matrix",
                  "car_copies_per_ug_gdna", "below_lloq", "car_t_cells_per_uL")


class LabResultRowSerializer(PatientRecordSerializer):
    ctcae_grade = serializers.SerializerMethodField(
        help_text="CTCAE v5.0 grade derived from the value and the reference range "
                  "(safety.grading.lab_grade); null when the test has none or the limit it "
                  "needs is missing.")

    class Meta:
        model = LabResult
        fields = (*PatientRecordSerializer.LEAD, "collected_at", "test", "value", "unit",
                  "below_detection", "ref_low", "ref_high", "ctcae_grade")

    def get_ctcae_grade(self, result) -> int | None:
        graded = lab_grade(result.test, result.value, low=result.ref_low, high=result.ref_high)
        return None if graded is None else graded.grade


class ConcomitantMedicationRowSerializer(PatientRecordSerializer):
    treated_event = serializers.IntegerField(
        source="treated_event_id", allow_null=True,
        help_text="Id of the patient's adverse event (CRS, ICANS or other) this medication "
                  "treated; null when not linked.")

    class Meta:
        model = ConcomitantMedication
        fields = (*PatientRecordSerializer.LEAD, "drug", "drug_specify", "dose", "dose_unit",
                  "route", "start_date", "stop_date", "ongoing", "indication", "treated_event")


class SecondaryMalignancyRowSerializer(PatientRecordSerializer):
    class Meta:
        model = SecondaryMalignancy
        fields = (*PatientRecordSerializer.LEAD, "diagnosis_date", "malignancy_type",
                  "sample_sent", "sample_sent_date", "transgene_result")


class RclTestRowSerializer(PatientRecordSerializer):
    class Meta:
        model = RclTest
        fields = (*PatientRecordSerializer.LEAD, "timepoint", "sample_date", "result")


class AdverseEventPartSerializer(PatientRecordSerializer):
    """A record of one adverse event (its details, its DLT decision): the event's id, term and
    grade lead."""

    adverse_event = serializers.IntegerField(
        source="adverse_event_id", help_text="Id of the adverse event this record belongs to.")
    term = serializers.CharField(source="adverse_event.term",
                                 help_text="CTCAE term of the adverse event.")
    grade = serializers.IntegerField(source="adverse_event.grade",
                                     help_text="CTCAE / ASTCT grade of the adverse event (1–5).")

    LEAD = (*PatientRecordSerializer.LEAD, "adverse_event", "term", "grade")


class InfectionRowSerializer(AdverseEventPartSerializer):
    class Meta:
        model = InfectionDetails
        fields = (*AdverseEventPartSerializer.LEAD, "pathogen_type", "organism", "site")


class IecHsRowSerializer(AdverseEventPartSerializer):
    class Meta:
        model = IecHsDetails
        fields = (*AdverseEventPartSerializer.LEAD, "onset_date", "ferritin_peak_ng_ml",
                  *IecHsDetails.CRITERIA, "astct_grade")


class MedicalHistoryRowSerializer(PatientRecordSerializer):
    class Meta:
        model = MedicalHistory
        fields = (*PatientRecordSerializer.LEAD, "condition", "start", "ongoing")


class PriorTherapyRowSerializer(PatientRecordSerializer):
    class Meta:
        model = PriorTherapy
        fields = (*PatientRecordSerializer.LEAD, "line_number", "therapy_type", "regimen",
                  "start", "end", "best_response", "hsct_donor_type", "car_t_target")


class DiseaseAtScreeningRowSerializer(PatientRecordSerializer):
    class Meta:
        model = DiseaseAtScreening
        fields = (*PatientRecordSerializer.LEAD, "assessed_on", "cns_status",
                  *(name for name, _label in EXTRAMEDULLARY_SITES), "em_other")


class BridgingTherapyRowSerializer(PatientRecordSerializer):
    class Meta:
        model = BridgingTherapy
        fields = (*PatientRecordSerializer.LEAD, "regimen", "start_date", "end_date")


class VitalSignsRowSerializer(PatientRecordSerializer):
    class Meta:
        model = VitalSigns
        fields = (*PatientRecordSerializer.LEAD, "measured_at", "timepoint", *VITAL_VALUES,
                  "oxygen_support")


@extend_schema_field({"type": "string", "nullable": True,
                      "enum": ["coordinator", "investigator", "monitor", "sponsor", "admin",
                               "system", None]})
class SignerRoleField(serializers.Field):
    """The signer's role; "system" for decisions carried in by a casebook import (migrated,
    whoever imported them)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, adjudication):
        return "system" if adjudication.is_migrated else role_of(adjudication.signed_by)


class LtfuVisitRowSerializer(PatientRecordSerializer):
    class Meta:
        model = LtfuVisit
        fields = (*PatientRecordSerializer.LEAD, "visit", "contact_date", "vital_status",
                  *LtfuVisit.FINDINGS, "subsequent_therapy")


class ProtocolDeviationRowSerializer(PatientRecordSerializer):
    """A sponsor receives what the deviation is, when, and the investigator's assessment
    (`core.sponsor_share.ONLY_SHARED`)."""

    class Meta:
        model = ProtocolDeviation
        fields = (*PatientRecordSerializer.LEAD, "category", "deviation_date", "identified_on",
                  "source", "edit_check", "description", "withdrawn_at", "withdrawn_reason",
                  "important", "impact_on_safety", "impact_on_data", "corrective_action",
                  "assessed_at")


class DltAdjudicationRowSerializer(AdverseEventPartSerializer):
    signer_role = SignerRoleField(
        help_text="Role of the investigator who signed the decision; \"system\" for a "
                  "decision carried in by a casebook import.")

    class Meta:
        model = DltAdjudication
        fields = (*AdverseEventPartSerializer.LEAD, "decision", "signed_at", "signer_role",
                  "signer_printed_name", "rationale")
