"""Screening, consent, eligibility, enrollment, off-study and follow-up contacts."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Upper

from core.audit import ClinicalRecord, one_active_per
from core.date_order_check import TimelineChecked
from core.models import Study
from core.ranges import AGE_YEARS, PERCENT, range_checks
from core.subject_ids import subject_id_problem
from core.text_rules import is_blank
from core.text_validators import no_hidden_characters


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
