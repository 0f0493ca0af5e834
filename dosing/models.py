"""Dose levels, lymphodepletion (fludarabine/cyclophosphamide) and RD13-02 infusions."""

from django.core.exceptions import ValidationError
from django.db import models

from core.audit import AuditedModel, ClinicalRecord, one_active_per
from core.date_order_check import TimelineChecked
from core.ranges import PERCENT, POSITIVE, WEIGHT_KG, Range, range_checks
from core.text_validators import no_hidden_characters

LYMPHODEPLETION_DAYS = Range(1, 7, "a number of days (1–7)")
MG_PER_M2 = Range(0, 2000, "a daily dose in mg/m² (0–2000)", low_exclusive=True)


class DoseLevel(AuditedModel):
    """A protocol dose level: weight-based (cells/kg) or flat (total cells), never both."""

    code = models.CharField(max_length=10, unique=True, validators=[no_hidden_characters])
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text="Escalation order: 1 is the lowest level.")
    cells_per_kg = models.FloatField("CAR-T cells per kg", null=True, blank=True,
                                     validators=[POSITIVE.validator()])
    total_cells = models.FloatField("total CAR-T cells (flat dose)", null=True, blank=True,
                                    validators=[POSITIVE.validator()])

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cells_per_kg__isnull=True, total_cells__isnull=False)
                | models.Q(cells_per_kg__isnull=False, total_cells__isnull=True),
                name="doselevel_one_dose_basis",
                violation_error_message="A dose level is either cells/kg or total cells.",
            ),
            *range_checks("doselevel", cells_per_kg=POSITIVE, total_cells=POSITIVE),
        ]

    def __str__(self):
        if self.cells_per_kg is not None:
            return f"{self.code} ({self.cells_per_kg:.2g} cells/kg)"
        return f"{self.code} ({self.total_cells:.2g} cells flat)"

    def clean(self):
        if (self.cells_per_kg is None) == (self.total_cells is None):
            raise ValidationError({"cells_per_kg": (
                "A dose level is defined either per kg (cells_per_kg) or as a flat dose "
                "(total_cells): give exactly one.")})


class Lymphodepletion(TimelineChecked, ClinicalRecord):
    """The fludarabine/cyclophosphamide conditioning given before the first infusion."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="lymphodepletions")
    start_date = models.DateField()
    fludarabine_mg_m2_per_day = models.FloatField(
        "fludarabine (mg/m²/day)", validators=[MG_PER_M2.validator()])
    cyclophosphamide_mg_m2_per_day = models.FloatField(
        "cyclophosphamide (mg/m²/day)", validators=[MG_PER_M2.validator()])
    days = models.PositiveSmallIntegerField(validators=[LYMPHODEPLETION_DAYS.validator()])

    TIMELINE = ("lymphodepletion", ("start_date",))

    class Meta:
        constraints = [
            one_active_per("patient", "lymphodepletion"),
            *range_checks("lymphodepletion", fludarabine_mg_m2_per_day=MG_PER_M2,
                          cyclophosphamide_mg_m2_per_day=MG_PER_M2, days=LYMPHODEPLETION_DAYS),
        ]


class Infusion(TimelineChecked, ClinicalRecord):
    """One RD13-02 infusion. Day 0 of the trial is the date of infusion number 1."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="infusions")
    number = models.PositiveSmallIntegerField(validators=[Range(1, 10, "an infusion number (1–10)")
                                                          .validator()])
    date = models.DateField()
    time = models.TimeField(null=True, blank=True,
                            help_text="Start of the infusion; PK sample times count from it.")
    dose_level = models.ForeignKey(DoseLevel, on_delete=models.PROTECT, related_name="infusions")
    cells_per_kg = models.FloatField("CAR-T cells per kg", null=True, blank=True,
                                     validators=[POSITIVE.validator()])
    total_cells = models.FloatField("total CAR-T cells", null=True, blank=True,
                                    validators=[POSITIVE.validator()])
    weight_kg = models.FloatField("body weight (kg)", null=True, blank=True,
                                  validators=[WEIGHT_KG.validator()])
    viability_pct = models.FloatField("viability (%)", null=True, blank=True,
                                      validators=[PERCENT.validator()])
    product_lot = models.CharField(max_length=40, blank=True,
                                   validators=[no_hidden_characters])

    TIMELINE = ("infusion", ("date",))

    class Meta:
        ordering = ["patient", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "number"], condition=models.Q(voided_at__isnull=True),
                name="infusion_number_unique",
                violation_error_message="This patient already has an infusion with this number.",
            ),
            *range_checks("infusion", cells_per_kg=POSITIVE, total_cells=POSITIVE,
                          weight_kg=WEIGHT_KG, viability_pct=PERCENT),
        ]

    @property
    def effective_cells_per_kg(self) -> float | None:
        """Cells/kg as recorded, else derived from total cells and weight where both are known."""
        if self.cells_per_kg is not None:
            return self.cells_per_kg
        if self.total_cells is not None and self.weight_kg:
            return self.total_cells / self.weight_kg
        return None
