"""Screening, consent, eligibility, enrollment, off-study and follow-up contacts."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Upper

from core.audit import ClinicalRecord, one_active_per
from core.date_order_check import TimelineChecked
from core.fields import PartialDateField, partial_dates_out_of_order
from core.models import Study
from core.ranges import (
    AGE_YEARS,
    BODY_TEMPERATURE_C,
    DIASTOLIC_BP,
    HEART_RATE,
    PERCENT,
    RESPIRATORY_RATE,
    SPO2_PERCENT,
    SYSTOLIC_BP,
    THERAPY_LINE,
    range_checks,
)
from core.subject_ids import subject_id_problem
from core.text_rules import is_blank
from core.text_validators import no_hidden_characters, visible_text_required


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"


class Diagnosis(models.TextChoices):
    T_ALL = "T-ALL", "T-cell acute lymphoblastic leukaemia"
    T_LBL = "T-LBL", "T-cell lymphoblastic lymphoma"


SUBJECT_ID_TAKEN = "subject_id_taken"


class Patient(TimelineChecked, ClinicalRecord):
    """One screened patient. The subject ID is a pseudonymous code; the EDC keeps no names."""

    subject_id = models.CharField(
        max_length=20,
        help_text=("Pseudonymous study code, e.g. RD-001, as the study's subject-ID pattern "
                   "says. Never a name or hospital number."),
    )
    sex = models.CharField(max_length=1, choices=Sex.choices)
    age_at_consent = models.PositiveSmallIntegerField(
        "age at consent (years)", validators=[AGE_YEARS.validator()])
    diagnosis = models.CharField(max_length=5, choices=Diagnosis.choices)
    cd7_positive_blasts_pct = models.FloatField(
        "CD7+ blasts (%)", null=True, blank=True, validators=[PERCENT.validator()],
        help_text="Share of blasts expressing CD7 by flow cytometry at screening.")
    screening_marrow_blasts_pct = models.FloatField(
        "screening marrow blasts (%)", null=True, blank=True, validators=[PERCENT.validator()],
        help_text="Baseline for partial response and progression.")
    consent_date = models.DateField()
    consent_version = models.CharField(max_length=40, blank=True,
                                       validators=[no_hidden_characters])
    guardian_consent = models.BooleanField(
        null=True, blank=True,
        help_text="For a minor: consent of the parent or guardian (and the child's assent).")
    enrollment_date = models.DateField(null=True, blank=True)
    off_study_date = models.DateField(null=True, blank=True)
    off_study_reason = models.CharField(max_length=200, blank=True)

    TIMELINE = ("patient", ())

    class Meta:
        ordering = ["subject_id"]
        # Lists are ordered by subject ID (the patient list, every API listing); with this index
        # PostgreSQL reads a page's patients in order instead of sorting the whole trial.
        indexes = [models.Index(fields=["subject_id"], name="patient_subject_id_order")]
        constraints = [
            # Unique among current patients, whatever the case ("rd-001" is RD-001): a voided
            # entry keeps its code in the audit trail.
            models.UniqueConstraint(
                Upper("subject_id"), condition=models.Q(voided_at__isnull=True),
                name="patient_subject_id_unique_any_case", violation_error_code=SUBJECT_ID_TAKEN,
                violation_error_message=("A patient with this subject ID already exists "
                                         "(subject IDs are compared regardless of case).")),
            *range_checks("patient", age_at_consent=AGE_YEARS, cd7_positive_blasts_pct=PERCENT,
                          screening_marrow_blasts_pct=PERCENT),
        ]

    # The study's subject-ID pattern, when the caller has read it once for many patients (the
    # casebook import); otherwise `clean` reads it.
    subject_id_pattern: str | None = None

    def __str__(self):
        return self.subject_id

    def subject_id_is_new(self) -> bool:
        """A new patient's ID, or a changed one: the IDs the study's pattern applies to. An ID
        given before the pattern changed stays valid while it is not changed."""
        if self._state.adding:
            return True
        stored = Patient.all_objects.filter(pk=self.pk).values_list("subject_id", flat=True)
        return self.subject_id != stored.first()

    def validate_constraints(self, exclude=None):
        """As Django's, with the subject ID's uniqueness reported beside the subject ID (a
        constraint on an expression, UPPER(subject_id), is otherwise reported for the form as a
        whole)."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as refused:
            errors = refused.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            taken = [e for e in general if getattr(e, "code", None) == SUBJECT_ID_TAKEN]
            if taken:
                errors.setdefault("subject_id", []).extend(taken)
            if rest := [e for e in general if e not in taken]:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None

    def clean(self):
        errors = {}
        if self.subject_id and self.subject_id_is_new():
            pattern = self.subject_id_pattern or Study.load().subject_id_pattern
            if problem := subject_id_problem(self.subject_id, pattern):
                errors["subject_id"] = problem
        if self.off_study_date and is_blank(self.off_study_reason):
            errors["off_study_reason"] = "A reason is required when the patient leaves the study."
        if not is_blank(self.off_study_reason) and not self.off_study_date:
            errors["off_study_date"] = "A date is required when an off-study reason is given."
        if self.age_at_consent is not None and self.age_at_consent < 18 and \
                self.guardian_consent is False:
            errors["guardian_consent"] = "A minor needs the consent of a parent or guardian."
        if errors:
            raise ValidationError(errors)
        super().clean()


class EligibilityAssessment(TimelineChecked, ClinicalRecord):
    """The protocol's eligibility checklist, completed at screening before enrollment."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="eligibility")
    assessed_on = models.DateField()
    age_in_range = models.BooleanField("age within the protocol's range (from 3 years)")
    cd7_positive_disease = models.BooleanField("CD7+ T-ALL/T-LBL (≥ 50% of blasts CD7+)")
    relapsed_or_refractory = models.BooleanField("relapsed or refractory disease")
    adequate_organ_function = models.BooleanField("adequate organ function")
    performance_status_ok = models.BooleanField("ECOG ≤ 2 or Karnofsky/Lansky ≥ 60")
    no_active_infection = models.BooleanField("no uncontrolled active infection")
    no_active_gvhd = models.BooleanField("no active GVHD or systemic immunosuppression")
    not_pregnant = models.BooleanField("not pregnant or breastfeeding")

    TIMELINE = ("clinical", ("assessed_on",))
    CRITERIA = ("age_in_range", "cd7_positive_disease", "relapsed_or_refractory",
                "adequate_organ_function", "performance_status_ok", "no_active_infection",
                "no_active_gvhd", "not_pregnant")

    class Meta:
        constraints = [one_active_per("patient", "eligibilityassessment")]

    @property
    def is_eligible(self) -> bool:
        return all(getattr(self, name) for name in self.CRITERIA)

    @property
    def unmet_criteria(self) -> list[str]:
        return [str(self._meta.get_field(n).verbose_name) for n in self.CRITERIA
                if not getattr(self, n)]


class FollowUpContact(TimelineChecked, ClinicalRecord):
    """A dated contact at which the patient was known to be alive."""

    class Method(models.TextChoices):
        VISIT = "visit", "Clinic visit"
        PHONE = "phone", "Telephone"
        RECORDS = "records", "Medical records"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="contacts")
    contact_date = models.DateField()
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.VISIT)

    TIMELINE = ("clinical", ("contact_date",))

    class Meta:
        ordering = ["patient", "contact_date"]


# --- Baseline: medical history, prior therapy, disease at screening, bridging, vital signs ---

def _free_text(label: str, max_length: int = 200, **kwargs) -> models.CharField:
    """Text a person types: visible, without hidden characters; withheld from sponsors
    (`core.sponsor_share`)."""
    return models.CharField(label, max_length=max_length,
                            validators=[no_hidden_characters, visible_text_required], **kwargs)


class MedicalHistory(ClinicalRecord):
    """A past or current condition of the patient, other than the leukaemia under study."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT,
                                related_name="medical_history")
    condition = _free_text("condition", help_text="e.g. asthma, hepatitis B (resolved)")
    start = PartialDateField("start date", blank=True)
    ongoing = models.BooleanField("ongoing at screening")

    class Meta:
        verbose_name = "medical history"
        verbose_name_plural = "medical history"
        ordering = ["patient", "start", "id"]

    def __str__(self):
        return self.condition


class TherapyType(models.TextChoices):
    CHEMOTHERAPY = "chemotherapy", "Chemotherapy"
    TARGETED = "targeted", "Targeted therapy or antibody"
    RADIOTHERAPY = "radiotherapy", "Radiotherapy"
    HSCT = "hsct", "Haematopoietic stem-cell transplant"
    CAR_T = "car_t", "CAR-T cell therapy"
    OTHER = "other", "Other"


class BestResponse(models.TextChoices):
    CR = "CR", "Complete remission (CR)"
    CRI = "CRi", "CR with incomplete count recovery (CRi)"
    PR = "PR", "Partial remission (PR)"
    SD = "SD", "Stable disease (SD)"
    PD = "PD", "Progressive disease (PD)"
    NE = "NE", "Not evaluable (NE)"
    UNKNOWN = "unknown", "Unknown"


class DonorType(models.TextChoices):
    AUTOLOGOUS = "autologous", "Autologous"
    MATCHED_SIBLING = "matched_sibling", "Matched sibling"
    MATCHED_UNRELATED = "matched_unrelated", "Matched unrelated"
    MISMATCHED_UNRELATED = "mismatched_unrelated", "Mismatched unrelated"
    HAPLOIDENTICAL = "haploidentical", "Haploidentical"
    CORD_BLOOD = "cord_blood", "Cord blood"


class CarTTarget(models.TextChoices):
    CD7 = "CD7", "CD7"
    CD5 = "CD5", "CD5"
    CD19 = "CD19", "CD19"
    CD22 = "CD22", "CD22"
    OTHER = "other", "Other"


class PriorTherapy(ClinicalRecord):
    """One treatment of a prior line of therapy: a regimen, a transplant or a CAR-T, with its
    dates as the records give them and the best response it achieved."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT,
                                related_name="prior_therapies")
    line_number = models.PositiveSmallIntegerField(
        "line of therapy", validators=[THERAPY_LINE.validator()])
    therapy_type = models.CharField("type", max_length=15, choices=TherapyType.choices)
    regimen = _free_text("regimen", help_text="e.g. hyper-CVAD, nelarabine; the conditioning "
                                              "of a transplant; the product of a CAR-T")
    start = PartialDateField("start date")
    end = PartialDateField("end date", blank=True)
    best_response = models.CharField(max_length=7, choices=BestResponse.choices)
    hsct_donor_type = models.CharField("HSCT donor type", max_length=20, blank=True,
                                       choices=DonorType.choices,
                                       help_text="For a transplant only.")
    car_t_target = models.CharField("CAR-T target", max_length=5, blank=True,
                                    choices=CarTTarget.choices, help_text="For a CAR-T only.")

    class Meta:
        verbose_name = "prior therapy"
        verbose_name_plural = "prior therapies"
        ordering = ["patient", "line_number", "start", "id"]
        constraints = range_checks("priortherapy", line_number=THERAPY_LINE)

    def __str__(self):
        return f"line {self.line_number}: {self.regimen}"

    def clean(self):
        errors = {}
        if partial_dates_out_of_order(self.start, self.end):
            errors["end"] = f"{self.end} is before the start date {self.start}."
        is_hsct, is_car_t = (self.therapy_type == TherapyType.HSCT,
                             self.therapy_type == TherapyType.CAR_T)
        if is_hsct and not self.hsct_donor_type:
            errors["hsct_donor_type"] = "A transplant needs its donor type."
        if self.hsct_donor_type and not is_hsct:
            errors["hsct_donor_type"] = "A donor type is given for a transplant only."
        if is_car_t and not self.car_t_target:
            errors["car_t_target"] = "A CAR-T needs its target."
        if self.car_t_target and not is_car_t:
            errors["car_t_target"] = "A target is given for a CAR-T only."
        if errors:
            raise ValidationError(errors)
        super().clean()


class CnsStatus(models.TextChoices):
    CNS1 = "CNS1", "CNS1: no blasts in the CSF"
    CNS2 = "CNS2", "CNS2: < 5 WBC/µL with blasts"
    CNS3 = "CNS3", "CNS3: ≥ 5 WBC/µL with blasts, or cranial nerve palsy"
    NOT_ASSESSED = "not_assessed", "Not assessed"


# The closed list of extramedullary sites at screening: (field, label).
EXTRAMEDULLARY_SITES = (
    ("em_mediastinum", "mediastinum"), ("em_lymph_nodes", "lymph nodes"),
    ("em_liver_spleen", "liver or spleen"), ("em_skin", "skin"), ("em_testis", "testis"),
    ("em_bone", "bone"), ("em_pleura_pericardium", "pleura or pericardium"),
)


def _site(label: str) -> models.BooleanField:
    return models.BooleanField(f"extramedullary: {label}", default=False)


class DiseaseAtScreening(TimelineChecked, ClinicalRecord):
    """The leukaemia at screening beyond the marrow: CNS status and extramedullary sites. The
    CD7+ blasts and the marrow blasts stay on the patient's own form (one value, one place)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT,
                                related_name="disease_at_screening")
    assessed_on = models.DateField()
    cns_status = models.CharField("CNS status", max_length=12, choices=CnsStatus.choices)
    em_mediastinum = _site("mediastinum")
    em_lymph_nodes = _site("lymph nodes")
    em_liver_spleen = _site("liver or spleen")
    em_skin = _site("skin")
    em_testis = _site("testis")
    em_bone = _site("bone")
    em_pleura_pericardium = _site("pleura or pericardium")
    em_other = models.CharField("extramedullary: other site", max_length=100, blank=True,
                                validators=[no_hidden_characters])

    TIMELINE = ("clinical", ("assessed_on",))

    class Meta:
        verbose_name = "disease at screening"
        verbose_name_plural = "disease at screening"
        constraints = [one_active_per("patient", "diseaseatscreening")]

    @property
    def extramedullary_sites(self) -> list[str]:
        """The sites ticked, and the other site as typed."""
        sites = [label for name, label in EXTRAMEDULLARY_SITES if getattr(self, name)]
        return [*sites, self.em_other] if not is_blank(self.em_other) else sites


class BridgingTherapy(TimelineChecked, ClinicalRecord):
    """Therapy given to hold the disease between screening and lymphodepletion."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT,
                                related_name="bridging_therapies")
    regimen = _free_text("regimen", help_text="e.g. dexamethasone + vincristine")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True,
                                help_text="Empty while the therapy goes on.")

    TIMELINE = ("clinical", ("start_date", "end_date"))

    class Meta:
        verbose_name = "bridging therapy"
        verbose_name_plural = "bridging therapies"
        ordering = ["patient", "start_date", "id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(end_date__isnull=True)
            | models.Q(end_date__gte=models.F("start_date")),
            name="bridgingtherapy_end_after_start",
            violation_error_message="end_date: must be on or after the start date.")]

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": (
                f"{self.end_date} is before the start date {self.start_date}.")})
        super().clean()


class VitalTimepoint(models.TextChoices):
    SCREENING = "screening", "Screening"
    INFUSION = "infusion", "Infusion"
    DURING_CRS = "during_crs", "During CRS"
    OTHER = "other", "Other"


class OxygenSupport(models.TextChoices):
    NONE = "none", "None (room air)"
    LOW_FLOW = "low_flow", "Low-flow nasal cannula ≤ 6 L/min or blow-by"
    HIGH_FLOW = "high_flow", "High-flow > 6 L/min, face mask, non-rebreather or Venturi"
    POSITIVE_PRESSURE = "positive_pressure", "Positive pressure: CPAP, BiPAP, intubation"


VITAL_VALUES = ("temperature_c", "heart_rate", "systolic_bp", "diastolic_bp",
                "respiratory_rate", "spo2_pct")


class VitalSigns(TimelineChecked, ClinicalRecord):
    """One set of vital signs, measured together."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="vital_signs")
    measured_at = models.DateTimeField()
    timepoint = models.CharField(max_length=12, choices=VitalTimepoint.choices)
    temperature_c = models.FloatField("temperature (°C)", null=True, blank=True,
                                      validators=[BODY_TEMPERATURE_C.validator()])
    heart_rate = models.PositiveSmallIntegerField("heart rate (beats/min)", null=True,
                                                  blank=True, validators=[HEART_RATE.validator()])
    systolic_bp = models.PositiveSmallIntegerField("systolic BP (mmHg)", null=True, blank=True,
                                                   validators=[SYSTOLIC_BP.validator()])
    diastolic_bp = models.PositiveSmallIntegerField("diastolic BP (mmHg)", null=True, blank=True,
                                                    validators=[DIASTOLIC_BP.validator()])
    respiratory_rate = models.PositiveSmallIntegerField(
        "respiratory rate (breaths/min)", null=True, blank=True,
        validators=[RESPIRATORY_RATE.validator()])
    spo2_pct = models.FloatField("SpO2 (%)", null=True, blank=True,
                                 validators=[SPO2_PERCENT.validator()])
    oxygen_support = models.CharField(max_length=20, choices=OxygenSupport.choices,
                                      default=OxygenSupport.NONE)

    TIMELINE = ("clinical", ("measured_at",))

    class Meta:
        verbose_name = "vital signs"
        verbose_name_plural = "vital signs"
        ordering = ["patient", "measured_at", "id"]
        indexes = [models.Index(fields=["patient", "measured_at"], name="vitals_patient_time")]
        constraints = [
            *range_checks("vitalsigns", temperature_c=BODY_TEMPERATURE_C, heart_rate=HEART_RATE,
                          systolic_bp=SYSTOLIC_BP, diastolic_bp=DIASTOLIC_BP,
                          respiratory_rate=RESPIRATORY_RATE, spo2_pct=SPO2_PERCENT),
            models.CheckConstraint(
                condition=models.Q(diastolic_bp__isnull=True) | models.Q(systolic_bp__isnull=True)
                | models.Q(diastolic_bp__lt=models.F("systolic_bp")),
                name="vitalsigns_diastolic_below_systolic",
                violation_error_message="diastolic_bp: must be below the systolic pressure."),
        ]

    def clean(self):
        errors = {}
        if all(getattr(self, name) is None for name in VITAL_VALUES):
            errors["temperature_c"] = "Give at least one measured value."
        if self.systolic_bp is not None and self.diastolic_bp is not None and \
                self.diastolic_bp >= self.systolic_bp:
            errors["diastolic_bp"] = (f"{self.diastolic_bp} mmHg is not below the systolic "
                                      f"pressure {self.systolic_bp} mmHg.")
        if errors:
            raise ValidationError(errors)
        super().clean()


class VitalStatus(models.TextChoices):
    ALIVE = "alive", "Alive"
    DEAD = "dead", "Dead"
    LOST = "lost", "Lost to follow-up"


class LtfuVisit(TimelineChecked, ClinicalRecord):
    """A yearly long-term follow-up visit Y2 … Y15 (`patients.schedule.LTFU_VISITS`): the
    reduced form of the years after the one-year efficacy period, for the late effects of an
    integrating vector (new malignancy, neurological, autoimmune and haematological disorders,
    serious infections) and the treatments given since.

    Its own form, not a `FollowUpContact`: a contact says the patient was known alive on a day
    (survival is censored there), while this visit records a vital status that may be dead or
    lost. An LTFU visit with the patient alive counts as a contact for the last date known
    alive. A death is recorded on the Death form as well; here its contact date is the date of
    death (nothing clinical is dated after it).
    """

    FINDINGS = ("new_malignancy", "new_neurological_disorder", "new_autoimmune_disorder",
                "new_haematological_disorder", "serious_infection",
                "subsequent_anticancer_therapy")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="ltfu_visits")
    visit = models.CharField(max_length=3, choices=[(f"Y{y}", f"Year {y}")
                                                    for y in range(2, 16)])
    contact_date = models.DateField()
    vital_status = models.CharField(max_length=5, choices=VitalStatus.choices)
    new_malignancy = models.BooleanField(
        null=True, blank=True, help_text="A new malignancy since the last visit (including a "
                                         "T-cell malignancy, which the vector could cause).")
    new_neurological_disorder = models.BooleanField(null=True, blank=True)
    new_autoimmune_disorder = models.BooleanField(null=True, blank=True)
    new_haematological_disorder = models.BooleanField(null=True, blank=True)
    serious_infection = models.BooleanField(null=True, blank=True)
    subsequent_anticancer_therapy = models.BooleanField(null=True, blank=True)
    subsequent_therapy = models.TextField(
        "subsequent anti-cancer therapy", blank=True, validators=[no_hidden_characters],
        help_text="Required when a subsequent anti-cancer therapy was given.")

    TIMELINE = ("clinical", ("contact_date",))

    class Meta:
        ordering = ["patient", "contact_date"]
        verbose_name = "long-term follow-up visit"
        constraints = [models.UniqueConstraint(
            fields=["patient", "visit"], condition=models.Q(voided_at__isnull=True),
            name="ltfuvisit_one_per_year",
            violation_error_message="This year's follow-up visit is already recorded.")]

    def clean(self):
        super().clean()
        errors = {}
        if self.vital_status == VitalStatus.ALIVE:
            for name in self.FINDINGS:
                if getattr(self, name) is None:
                    errors[name] = "Answer yes or no: the patient was reached alive."
        if self.subsequent_anticancer_therapy and is_blank(self.subsequent_therapy):
            errors["subsequent_therapy"] = "Name the therapy: a subsequent therapy was given."
        if not self.subsequent_anticancer_therapy and not is_blank(self.subsequent_therapy):
            errors["subsequent_therapy"] = ("Only when a subsequent anti-cancer therapy was "
                                            "given (answer yes above).")
        if errors:
            raise ValidationError(errors)
