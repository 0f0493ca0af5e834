"""Protocol settings of the one study this EDC instance runs.

The protocol's numbers (DLT window, rule thresholds, escalation target) are data, edited by admins
and audited, never constants in code (docs/spec/clinical-rules.md).
"""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.audit import AuditedModel
from core.ranges import Range, range_checks
from core.roles import CUSTOM_PERMISSIONS
from core.subject_ids import DEFAULT_PATTERN, PATTERN_MAX_LENGTH, pattern_problem
from core.text_validators import no_hidden_characters

TARGET_RATE = Range(0, 1, "a probability strictly between 0 and 1", low_exclusive=True)
WINDOW_DAYS = Range(1, 365, "a number of days (1–365)")
HOURS = Range(1, 24 * 60, "a number of hours (1–1440)")


def validate_subject_id_pattern(pattern: str):
    problem = pattern_problem(pattern)
    if problem:
        raise ValidationError(problem, code="subject_id_pattern")


class EscalationDesign(models.TextChoices):
    BOIN = "BOIN", "BOIN (Liu & Yuan 2015)"
    THREE_PLUS_THREE = "3+3", "3+3"


class Study(AuditedModel):
    """The study's protocol settings. There is exactly one row (id 1)."""

    protocol_id = models.CharField(max_length=40, default="RD13-02-PH1",
                                   validators=[no_hidden_characters])
    title = models.CharField(
        max_length=300,
        default="CD7 CAR-T (RD13-02) for relapsed/refractory CD7+ T-ALL/T-LBL: phase I",
    )
    escalation_design = models.CharField(
        max_length=4, choices=EscalationDesign.choices, default=EscalationDesign.BOIN
    )
    subject_id_pattern = models.CharField(
        "subject-ID pattern", max_length=PATTERN_MAX_LENGTH, default=DEFAULT_PATTERN,
        validators=[validate_subject_id_pattern],
        help_text=("A regular expression every new or changed subject ID must match as a whole, "
                   "e.g. ^[A-Z]{2,6}-[0-9]{1,6}$ for RD-001. IDs hold only ASCII letters, "
                   "digits, '-' and '_' whatever the pattern; IDs given before a change of "
                   "pattern stay valid, and the admin is told which do not fit."))
    target_dlt_rate = models.FloatField(default=0.30, validators=[TARGET_RATE.validator()])
    dlt_window_days = models.PositiveSmallIntegerField(
        default=28, validators=[WINDOW_DAYS.validator()],
        help_text="DLTs are counted for onsets on day 0 … this day after the first infusion.",
    )
    sae_report_hours = models.PositiveSmallIntegerField(
        default=24, validators=[HOURS.validator()],
        help_text="An SAE must reach the sponsor within this many hours of site awareness.",
    )

    # DLT rules (docs/spec/clinical-rules.md D1–D6): each can be switched off and tuned.
    dlt_rule_d1_grade5 = models.BooleanField("D1: any grade 5 event", default=True)
    dlt_rule_d2_crs = models.BooleanField("D2: grade 4 CRS / persistent grade 3 CRS", default=True)
    dlt_rule_d3_icans = models.BooleanField("D3: persistent grade ≥3 / any grade 4 ICANS",
                                            default=True)
    dlt_rule_d4_non_haematological = models.BooleanField(
        "D4: grade ≥3 non-haematological toxicity lasting too long", default=True)
    dlt_rule_d5_cytopenia = models.BooleanField(
        "D5: grade 4 neutropenia/thrombocytopenia not recovered", default=True)
    dlt_rule_d6_gvhd = models.BooleanField("D6: acute GVHD", default=True)
    crs_grade3_max_hours = models.PositiveSmallIntegerField(
        default=72, validators=[HOURS.validator()],
        help_text="D2: grade 3 CRS must improve to ≤ grade 2 within this many hours.")
    icans_grade3_max_hours = models.PositiveSmallIntegerField(
        default=72, validators=[HOURS.validator()],
        help_text="D3: grade ≥3 ICANS lasting longer than this is a DLT.")
    non_haematological_max_days = models.PositiveSmallIntegerField(
        default=7, validators=[WINDOW_DAYS.validator()],
        help_text="D4: grade ≥3 non-haematological toxicity lasting longer than this is a DLT.")
    infusion_reaction_max_hours = models.PositiveSmallIntegerField(
        default=24, validators=[HOURS.validator()],
        help_text="D4: infusion reactions resolving within this many hours are excepted.")
    cytopenia_recovery_day = models.PositiveSmallIntegerField(
        default=28, validators=[WINDOW_DAYS.validator()],
        help_text="D5: grade 4 cytopenia must recover to ≤ grade 2 by this day.")
    gvhd_min_grade = models.PositiveSmallIntegerField(
        default=2, validators=[Range(1, 4, "a MAGIC grade (1–4)").validator()],
        help_text="D6: acute GVHD of this MAGIC grade or worse is a DLT.")

    class Meta:
        verbose_name = "study settings"
        verbose_name_plural = "study settings"
        permissions = CUSTOM_PERMISSIONS
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="study_single_row"),
            *range_checks("study", target_dlt_rate=TARGET_RATE, dlt_window_days=WINDOW_DAYS),
        ]

    def __str__(self):
        return self.protocol_id

    def clean(self):
        if self.cytopenia_recovery_day < self.dlt_window_days:
            raise ValidationError({"cytopenia_recovery_day": (
                f"must be on or after the end of the DLT window (day {self.dlt_window_days})")})

    @classmethod
    def load(cls) -> "Study":
        """The study's settings; the protocol defaults until an admin or an import sets them."""
        study = cls.objects.filter(pk=1).first()
        return study if study is not None else cls(pk=1)


class ApiTokenAction(models.TextChoices):
    ISSUED = "issued", "issued"
    ROTATED = "rotated", "rotated (a new key; the old one stopped working)"
    REVOKED = "revoked", "revoked"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an entry of an append-only log."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are never changed.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are never deleted.")


class ApiTokenEvent(models.Model):
    """One change to a user's API token: whose, what, who made it, when and why.

    The audit trail of the tokens (21 CFR Part 11 §11.300(b): credentials are periodically
    checked, recalled or revised). It never holds the key. Entries are only ever added.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="api_token_events", help_text="Whose token.")
    action = models.CharField(max_length=10, choices=ApiTokenAction.choices)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           help_text="Who made the change.")
    at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "API token change"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.user}'s API token {self.action} by {self.by} on {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("An API token change is never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("An API token change is never deleted.")
