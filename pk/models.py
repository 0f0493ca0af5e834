"""CAR-T pharmacokinetic samples: transgene copies by qPCR and CAR-T cells by flow."""

from django.core.exceptions import ValidationError
from django.db import models

from core.audit import ClinicalRecord
from core.date_order_check import TimelineChecked
from core.ranges import NON_NEGATIVE, STUDY_DAY, range_checks


class Matrix(models.TextChoices):
    PERIPHERAL_BLOOD = "peripheral_blood", "Peripheral blood"
    BONE_MARROW = "bone_marrow", "Bone marrow"
    CSF = "csf", "Cerebrospinal fluid"


class PkSample(TimelineChecked, ClinicalRecord):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="pk_samples")
    nominal_day = models.PositiveSmallIntegerField(validators=[STUDY_DAY.validator()])
    collected_at = models.DateTimeField()
    matrix = models.CharField(max_length=20, choices=Matrix.choices,
                              default=Matrix.PERIPHERAL_BLOOD)
    car_copies_per_ug_gdna = models.FloatField(
        "CAR copies/µg gDNA", null=True, blank=True, validators=[NON_NEGATIVE.validator()])
    below_lloq = models.BooleanField("below the lower limit of quantification", default=False)
    car_t_cells_per_uL = models.FloatField("CAR-T cells/µL", null=True, blank=True,
                                           validators=[NON_NEGATIVE.validator()])

    TIMELINE = ("clinical", ("collected_at",))

    class Meta:
        verbose_name = "PK sample"
        ordering = ["patient", "collected_at", "id"]
        # The default order, read by every recompute and casebook page, without a sort.
        indexes = [models.Index(fields=["patient", "collected_at"], name="pksample_patient_time")]
        constraints = range_checks("pksample", nominal_day=STUDY_DAY,
                                   car_copies_per_ug_gdna=NON_NEGATIVE,
                                   car_t_cells_per_uL=NON_NEGATIVE)

    def clean(self):
        if self.below_lloq and self.car_copies_per_ug_gdna is not None:
            raise ValidationError({"car_copies_per_ug_gdna": (
                "A sample below the LLOQ has no quantified value; leave it empty.")})
        if not self.below_lloq and self.car_copies_per_ug_gdna is None and \
                self.car_t_cells_per_uL is None:
            raise ValidationError({"car_copies_per_ug_gdna": (
                "Give the quantified value, or tick 'below the LLOQ'.")})
        super().clean()
