"""Query filters of the listings (django-filter): subject, dose level, date ranges, grade, visit.

Date ranges are `<field>_after` / `<field>_before` (both inclusive, YYYY-MM-DD). A bad value is a
400 naming the parameter and the rule; nothing is listed.
"""

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import DateRangeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter

from efficacy.models import (
    Death,
    DiseaseEvent,
    Extramedullary,
    Response,
    Visit,
)
from labs.models import LabTest
from monitoring.models import DeviationCategory
from patients.models import CnsStatus, Diagnosis, Sex, TherapyType, VitalStatus, VitalTimepoint
from pk.models import Matrix
from safety.models import (
    DltDecision,
    Drug,
    InfectionDetails,
    RclTest,
    Relatedness,
    SecondaryMalignancy,
)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, refusing a parameter given twice (which value was meant is unknowable) or
    given empty (django-filter would quietly not filter: a client's slip would list everything).
    """

    def filter_queryset(self, request, queryset, view):
        params = request.query_params
        problems = {}
        for name in params:
            values = params.getlist(name)
            if len(values) > 1:
                problems[name] = "given more than once; give it once."
            elif values[0] == "":
                problems[name] = "empty; give a value or leave the parameter out."
        if problems:
            raise exceptions.ValidationError(problems)
        return super().filter_queryset(request, queryset, view)


class StrictBooleanField(forms.NullBooleanField):
    """true or false, nothing else (a typo must not silently drop the filter)."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise ValidationError("Enter true or false.", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class IsoDateRangeField(DateRangeField):
    """Both ends as YYYY-MM-DD only: a locale's 03/04/2024 is ambiguous in a trial's data."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for end in self.fields:
            end.input_formats = ["%Y-%m-%d"]
            end.error_messages["invalid"] = "Enter a date as YYYY-MM-DD."


class IsoDateRangeFilter(filters.DateFromToRangeFilter):
    field_class = IsoDateRangeField


def _date_range(field_name: str, what: str):
    return IsoDateRangeFilter(
        field_name=field_name,
        help_text=f"{what}: `{field_name}_after` and/or `{field_name}_before`, YYYY-MM-DD, "
                  "both inclusive.")


class PatientRecordFilter(filters.FilterSet):
    subject = filters.CharFilter(field_name="subject_id",
                                 help_text="Only this patient's records (subject ID, e.g. RD-001).")
    dose_level = filters.CharFilter(
        field_name="dose_level_code",
        help_text="Only patients whose first infusion was at this dose level (code, e.g. DL2).")


class PatientFilter(PatientRecordFilter):
    sex = filters.ChoiceFilter(choices=Sex.choices, help_text="Only patients of this sex.")
    diagnosis = filters.ChoiceFilter(choices=Diagnosis.choices,
                                     help_text="Only patients with this diagnosis.")


class InfusionFilter(PatientRecordFilter):
    dose_level = filters.CharFilter(field_name="dose_level_code",
                                    help_text="Only infusions at this dose level (code).")
    date = _date_range("date", "Infusion date")


class AdverseEventFilter(PatientRecordFilter):
    grade = filters.NumberFilter(help_text="Only events of this grade (1–5).")
    grade_min = filters.NumberFilter(field_name="grade", lookup_expr="gte",
                                     help_text="Only events of this grade or higher.")
    serious = StrictBooleanFilter(help_text="Only serious (true) or non-serious (false) events.")
    relatedness = filters.ChoiceFilter(choices=Relatedness.choices,
                                       help_text="Only events of this relatedness to RD13-02.")
    onset_date = _date_range("onset_date", "Onset date")


class ResponseAssessmentFilter(PatientRecordFilter):
    visit = filters.ChoiceFilter(choices=Visit.choices, help_text="Only this visit.")
    response = filters.ChoiceFilter(choices=Response.choices,
                                    help_text="Only this investigator's response category.")
    extramedullary = filters.ChoiceFilter(choices=Extramedullary.choices,
                                          help_text="Only this extramedullary status.")
    date = _date_range("date", "Assessment date")


class DiseaseEventFilter(PatientRecordFilter):
    type = filters.ChoiceFilter(choices=DiseaseEvent.Type.choices,
                                help_text="Only relapses or only progressions.")
    date = _date_range("date", "Event date")


class HsctFilter(PatientRecordFilter):
    date = _date_range("date", "Transplant date")


class DeathFilter(PatientRecordFilter):
    cause = filters.ChoiceFilter(choices=Death.Cause.choices, help_text="Only this cause.")
    date = _date_range("date", "Date of death")


class PkSampleFilter(PatientRecordFilter):
    nominal_day = filters.NumberFilter(help_text="Only samples of this nominal study day.")
    matrix = filters.ChoiceFilter(choices=Matrix.choices, help_text="Only this matrix.")
    collected = IsoDateRangeFilter(
        field_name="collected_at__date",
        help_text="Collection date: `collected_after` and/or `collected_before`, YYYY-MM-DD, "
                  "both inclusive.")


class LabResultFilter(PatientRecordFilter):
    test = filters.ChoiceFilter(choices=LabTest.choices, help_text="Only this test.")
    collected = IsoDateRangeFilter(
        field_name="collected_at__date",
        help_text="Collection date: `collected_after` and/or `collected_before`, YYYY-MM-DD, "
                  "both inclusive.")


class ConcomitantMedicationFilter(PatientRecordFilter):
    drug = filters.ChoiceFilter(choices=Drug.choices, help_text="Only this drug.")
    treated_event = filters.NumberFilter(
        help_text="Only the medications linked to this adverse event (its id).")
    start_date = _date_range("start_date", "Start date")


class MedicalHistoryFilter(PatientRecordFilter):
    ongoing = StrictBooleanFilter(help_text="Only conditions ongoing (true) or not (false) at "
                                            "screening.")


class PriorTherapyFilter(PatientRecordFilter):
    therapy_type = filters.ChoiceFilter(choices=TherapyType.choices,
                                        help_text="Only therapies of this type.")
    line_number = filters.NumberFilter(help_text="Only this line of therapy.")


class DiseaseAtScreeningFilter(PatientRecordFilter):
    cns_status = filters.ChoiceFilter(choices=CnsStatus.choices,
                                      help_text="Only patients of this CNS status.")


class BridgingTherapyFilter(PatientRecordFilter):
    start_date = _date_range("start_date", "Start date")


class VitalSignsFilter(PatientRecordFilter):
    timepoint = filters.ChoiceFilter(choices=VitalTimepoint.choices,
                                     help_text="Only vital signs of this time point.")
    measured = IsoDateRangeFilter(
        field_name="measured_at__date",
        help_text="Measurement date: `measured_after` and/or `measured_before`, YYYY-MM-DD, "
                  "both inclusive.")


class LtfuVisitFilter(PatientRecordFilter):
    visit = filters.CharFilter(help_text="Only this follow-up year (Y2 … Y15).")
    vital_status = filters.ChoiceFilter(choices=VitalStatus.choices,
                                        help_text="Only this vital status.")
    new_malignancy = StrictBooleanFilter(help_text="Only visits with (true) or without (false) "
                                                   "a new malignancy.")
    contact_date = _date_range("contact_date", "Contact date")


class ProtocolDeviationFilter(PatientRecordFilter):
    category = filters.ChoiceFilter(choices=DeviationCategory.choices,
                                    help_text="Only deviations of this category.")
    important = StrictBooleanFilter(help_text="Only deviations the investigator assessed as "
                                              "important (true) or not (false).")
    deviation_date = _date_range("deviation_date", "Date of the deviation")


class DltAdjudicationFilter(PatientRecordFilter):
    decision = filters.ChoiceFilter(choices=DltDecision.choices, help_text="Only this decision.")
    grade = filters.NumberFilter(field_name="adverse_event__grade",
                                 help_text="Only adjudications of events of this grade.")
    signed = IsoDateRangeFilter(
        field_name="signed_at__date",
        help_text="Signature date: `signed_after` and/or `signed_before`, YYYY-MM-DD, both "
                  "inclusive.")


class SecondaryMalignancyFilter(PatientRecordFilter):
    malignancy_type = filters.ChoiceFilter(choices=SecondaryMalignancy.Type.choices,
                                           help_text="Only this type of malignancy.")
    transgene_result = filters.ChoiceFilter(choices=SecondaryMalignancy.TransgeneResult.choices,
                                            help_text="Only this CAR-transgene result.")
    diagnosis_date = _date_range("diagnosis_date", "Diagnosis date")


class RclTestFilter(PatientRecordFilter):
    timepoint = filters.ChoiceFilter(choices=RclTest._meta.get_field("timepoint").choices,
                                     help_text="Only this timepoint (M3, M6, M12, Y2 … Y15).")
    result = filters.ChoiceFilter(choices=RclTest.Result.choices, help_text="Only this result.")
    sample_date = _date_range("sample_date", "Sample date")


class InfectionFilter(PatientRecordFilter):
    pathogen_type = filters.ChoiceFilter(choices=InfectionDetails.Pathogen.choices,
                                         help_text="Only this kind of pathogen.")
    grade_min = filters.NumberFilter(field_name="adverse_event__grade", lookup_expr="gte",
                                     help_text="Only infections of this grade or higher.")


class IecHsFilter(PatientRecordFilter):
    astct_grade = filters.NumberFilter(help_text="Only IEC-HS of this ASTCT grade (1–5).")


class StableOrderingFilter(OrderingFilter):
    """`?ordering=field,-other` among the view's `ordering_fields`, always ending on the id so
    pages never overlap. DRF ignores an unknown field; here it is a 400 naming the choices."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            allowed = view.ordering_fields
            unknown = [term for term in raw.split(",") if term.strip().lstrip("-") not in allowed]
            if unknown:
                raise exceptions.ValidationError({self.ordering_param: (
                    f"{', '.join(unknown)}: not one of {', '.join(allowed)} (prefix - for "
                    "descending)")})
        ordering = list(super().get_ordering(request, queryset, view) or [])
        tie = view.tie_breaker
        if tie not in ordering and f"-{tie}" not in ordering:
            ordering.append(tie)
        return ordering

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["description"] = (
                "Comma-separated fields to order by, - for descending: "
                f"{', '.join(view.ordering_fields)}. Ties are always broken by id.")
            parameter["schema"]["pattern"] = (
                "^-?(%s)(,-?(%s))*$" % (("|".join(view.ordering_fields),) * 2))
        return parameters
