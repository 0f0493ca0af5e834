"""A monitor's work on CRF records: data queries, source-data verification and form locks.

Data queries: a monitor's question on one field (or the whole) of one CRF record.

The life of a query (ICH E6(R3) 5.18 monitoring; the usual EDC cycle): a monitor raises it, the
site coordinator answers it, the monitor closes it or re-opens it. Each step is an audited save
with its reason, so the query's own history is its thread.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.audit import AuditedModel, ClinicalRecord
from core.text_validators import visible_text_required


class QueryStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


OUTSTANDING = (QueryStatus.OPEN, QueryStatus.ANSWERED)


class DataQuery(AuditedModel):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="data_queries")
    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    field_name = models.CharField(max_length=60, blank=True,
                                  help_text="Empty when the query is about the whole record.")
    question = models.TextField(validators=[visible_text_required])
    edit_check = models.CharField(
        max_length=20, blank=True, editable=False,
        help_text="The edit check (core.edit_checks) that raised this system query; empty for a "
                  "query a person raised.")
    status = models.CharField(max_length=10, choices=QueryStatus.choices,
                              default=QueryStatus.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    answer = models.TextField(blank=True, validators=[visible_text_required])
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_comment = models.TextField(
        blank=True, help_text="The monitor's optional comment on closing; earlier ones stay in "
                              "the query's history when it is re-opened and closed again.")

    class Meta:
        verbose_name = "data query"
        verbose_name_plural = "data queries"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["record_type", "record_id"]),
                   models.Index(fields=["patient", "status"])]

    def __str__(self):
        about = f" · {self.field_name}" if self.field_name else ""
        return f"Query #{self.pk} on {self.record_type.model} {self.record_id}{about}"


class FormReview(AuditedModel):
    """Source-data verification and the lock of one CRF record (one row per record, made on the
    first verification or lock). Unlocking needs a reason; both are kept in this row's history.

    Verification is of one version of the record: an edit afterwards makes it "changed since
    verification" until a monitor verifies again.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="form_reviews")
    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    verified_row_version = models.PositiveIntegerField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record_type", "record_id"],
                                               name="formreview_one_per_record")]

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def verification_of(self, record) -> str:
        """"verified", "changed since verification" or "not verified"."""
        if self.verified_row_version is None:
            return "not verified"
        if self.verified_row_version != record.row_version:
            return "changed since verification"
        return "verified"


class CasebookLock(AuditedModel):
    """A monitor's lock on a patient's whole casebook (one row per patient, made on the first
    lock). While locked, no form of the patient can be added, changed or voided by anyone, through
    any path; locking and unlocking each need a reason, kept in this row's history.
    """

    patient = models.OneToOneField("patients.Patient", on_delete=models.PROTECT,
                                   related_name="casebook_lock")
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Casebook lock of {self.patient}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class DeviationCategory(models.TextChoices):
    ELIGIBILITY = "eligibility", "Eligibility"
    INFORMED_CONSENT = "informed_consent", "Informed consent"
    OUT_OF_WINDOW = "out_of_window", "Out-of-window visit or sample"
    DOSE = "dose", "Dose outside its level"
    PROHIBITED_MEDICATION = "prohibited_medication", "Prohibited medication"
    MISSED_ASSESSMENT = "missed_assessment", "Missed assessment"
    OTHER = "other", "Other"


class DeviationSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    EDIT_CHECK = "edit_check", "Raised by an edit check"


class ProtocolDeviation(ClinicalRecord):
    """A departure from the protocol of one patient (ICH E6(R3) 5.20; ICH E3 10.2): entered by
    hand by a coordinator or monitor, or recorded by the system when a coordinator confirms a
    soft edit check that is a deviation (`monitoring.deviations`), then assessed by the
    investigator. An edit-check deviation is one per record and check; when the data are
    corrected it is withdrawn (`withdrawn_at`), never deleted."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="protocol_deviations")
    category = models.CharField(max_length=24, choices=DeviationCategory.choices)
    description = models.TextField(validators=[visible_text_required])
    deviation_date = models.DateField("date of the deviation")
    identified_on = models.DateField("date identified")
    source = models.CharField(max_length=12, choices=DeviationSource.choices,
                              default=DeviationSource.MANUAL, editable=False)
    edit_check = models.CharField(
        max_length=20, blank=True, editable=False,
        help_text="The soft edit check that raised it (core.edit_checks); empty when entered "
                  "by hand.")
    record_type = models.ForeignKey(ContentType, null=True, blank=True, editable=False,
                                    on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    record = GenericForeignKey("record_type", "record_id")
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_reason = models.TextField(blank=True, editable=False)
    important = models.BooleanField(
        "important deviation", null=True, blank=True,
        help_text="The investigator's assessment: important (may significantly affect the "
                  "completeness, accuracy or reliability of key data, or a subject's rights, "
                  "safety or well-being) or not; empty until assessed.")
    impact_on_safety = models.BooleanField(null=True, blank=True)
    impact_on_data = models.BooleanField(null=True, blank=True)
    corrective_action = models.TextField(blank=True, validators=[visible_text_required])
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    editable=False, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["patient", "deviation_date", "id"]
        constraints = [models.UniqueConstraint(
            fields=["record_type", "record_id", "edit_check"],
            condition=~models.Q(edit_check="") & models.Q(voided_at__isnull=True),
            name="deviation_one_per_record_and_check")]

    def __str__(self):
        return f"{self.get_category_display()} deviation of {self.deviation_date}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_assessed(self) -> bool:
        return self.assessed_at is not None
