"""Response assessments (W4, W8, W12 and later), relapse/progression, HSCT and death."""

from django.core.exceptions import ValidationError
from django.db import models

from core.audit import ClinicalRecord, one_active_per
from core.date_order_check import TimelineChecked
from core.ranges import NON_NEGATIVE, PERCENT, range_checks


class Visit(models.TextChoices):
    SCREENING = "SCREENING", "Screening"
    W4 = "W4", "Week 4 (day 28 ± 7)"
    W8 = "W8", "Week 8 (day 56 ± 7)"
    W12 = "W12", "Week 12 (day 84 ± 7)"
    M6 = "M6", "Month 6 (day 182 ± 14)"
    M9 = "M9", "Month 9 (day 273 ± 14)"
    M12 = "M12", "Month 12 (day 365 ± 14)"
    UNSCHEDULED = "UNSCHEDULED", "Unscheduled"


class Extramedullary(models.TextChoices):
    NONE = "none", "No extramedullary disease"
    CR = "cr", "Complete response"
    PR = "pr", "Partial response"
    SD = "sd", "Stable disease"
    PD = "pd", "Progression or new site"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class Response(models.TextChoices):
    CR = "CR", "Complete remission (CR)"
    CRI = "CRi", "CR with incomplete count recovery (CRi)"
    PR = "PR", "Partial remission (PR)"
    SD = "SD", "Stable disease (SD)"
    PD = "PD", "Progressive disease (PD)"
    NE = "NE", "Not evaluable (NE)"


# The order of a patient's assessments when each is judged against those before it
# (`efficacy.response.derive_responses`): by date and, on one day, in the order entered.
SERIES_ORDER = ("date", "pk")


class ResponseAssessment(TimelineChecked, ClinicalRecord):
    """A disease assessment: marrow, MRD, blood counts, extramedullary status, and the
    investigator's response category (the endpoints use the recorded category)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="response_assessments")
    visit = models.CharField(max_length=12, choices=Visit.choices)
    date = models.DateField()
    marrow_blasts_pct = models.FloatField("marrow blasts (%)", null=True, blank=True,
                                          validators=[PERCENT.validator()],
                                          help_text="Empty when the marrow was not assessed.")
    mrd_pct = models.FloatField(
        "MRD (%)", null=True, blank=True, validators=[PERCENT.validator()],
        help_text="Leukaemic cells per 100 nucleated marrow cells by flow; negative: < 0.01. "
                  "Below the assay's limit of detection: the limit with <, e.g. <0.01.")
    mrd_below_detection = models.BooleanField(
        "MRD below the limit of detection", default=False,
        help_text="True when the assay found MRD below its limit of detection; MRD (%) is then "
                  "that limit (recorded as <limit, e.g. <0.01).")
    peripheral_blasts = models.BooleanField("blasts in peripheral blood", null=True, blank=True)
    extramedullary = models.CharField(max_length=12, choices=Extramedullary.choices,
                                      default=Extramedullary.NONE)
    anc_per_uL = models.FloatField("ANC (/µL)", null=True, blank=True,
                                   validators=[NON_NEGATIVE.validator()])
    platelets_per_uL = models.FloatField("platelets (/µL)", null=True, blank=True,
                                         validators=[NON_NEGATIVE.validator()])
    response = models.CharField("investigator's response", max_length=3,
                                choices=Response.choices)

    TIMELINE = ("clinical", ("date",))

    class Meta:
        ordering = ["patient", "date", "id"]
        # The default order, read by every recompute and casebook page, without a sort.
        indexes = [models.Index(fields=["patient", "date"], name="assessment_patient_date")]
        constraints = range_checks("responseassessment", marrow_blasts_pct=PERCENT,
                                   mrd_pct=PERCENT, anc_per_uL=NON_NEGATIVE,
                                   platelets_per_uL=NON_NEGATIVE)

    @property
    def mrd_pct_as_recorded(self) -> str | None:
        """MRD as entered: "<0.01" below the limit of detection, else None (the number)."""
        if self.mrd_below_detection and self.mrd_pct is not None:
            return f"<{self.mrd_pct:g}"
        return None

    def clean(self):
        if self.mrd_below_detection and self.mrd_pct is None:
            raise ValidationError({"mrd_pct": (
                "MRD below the limit of detection needs the limit, e.g. <0.01.")})
        super().clean()


class DiseaseEvent(TimelineChecked, ClinicalRecord):
    """Relapse (after CR/CRi) or progression, with its site."""

    class Type(models.TextChoices):
        RELAPSE = "relapse", "Relapse"
        PROGRESSION = "progression", "Progression"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="disease_events")
    date = models.DateField()
    type = models.CharField(max_length=12, choices=Type.choices)
    site = models.CharField(max_length=100, blank=True,
                            help_text="e.g. marrow, peripheral blood, CNS, mediastinum")

    TIMELINE = ("clinical", ("date",))

    class Meta:
        ordering = ["patient", "date", "id"]


class Hsct(TimelineChecked, ClinicalRecord):
    """Haematopoietic stem-cell transplant after RD13-02 (consolidation)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="hscts")
    date = models.DateField()
    donor_type = models.CharField(max_length=40, blank=True,
                                  help_text="e.g. matched sibling, matched unrelated, "
                                            "haploidentical, cord blood")

    TIMELINE = ("clinical", ("date",))

    class Meta:
        verbose_name = "HSCT"
        verbose_name_plural = "HSCTs"
        constraints = [one_active_per("patient", "hsct")]


class Death(TimelineChecked, ClinicalRecord):
    class Cause(models.TextChoices):
        DISEASE_PROGRESSION = "disease_progression", "Disease progression"
        ADVERSE_EVENT = "adverse_event", "Adverse event"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="deaths")
    date = models.DateField()
    cause = models.CharField(max_length=20, choices=Cause.choices)

    TIMELINE = ("death", ("date",))

    class Meta:
        constraints = [one_active_per("patient", "death")]
