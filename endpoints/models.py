"""The endpoint snapshots: computed reports, kept so that reports are served without
recomputing."""

from django.conf import settings
from django.db import models

from core.audit import AuditedModel
from core.fields import JSONDocumentField


class EndpointSnapshot(models.Model):
    """A computed endpoint report, kept so that reports are served without recomputing.

    Derived data, not a CRF: it is recomputed from the clinical records whenever they change,
    and old snapshots may be pruned. `data_version` is the audit trail's position when the data
    were read (see `endpoints.snapshots.data_version`); a report whose version is behind the
    current one is served marked stale.
    """

    cutoff = models.DateField()
    computed_at = models.DateTimeField(auto_now_add=True)
    duration_ms = models.FloatField()
    data_version = models.CharField(max_length=40)
    report = JSONDocumentField()
    review = JSONDocumentField(default=dict, help_text="The data-review listing (contract §5).")

    class Meta:
        indexes = [models.Index(fields=["cutoff", "-computed_at"], name="snapshot_latest")]
        get_latest_by = "computed_at"

    def __str__(self):
        return f"endpoints at {self.cutoff} (computed {self.computed_at:%Y-%m-%d %H:%M})"


DATA_CUT_MEANING = (
    "I freeze this data cut: the endpoint report as computed now is the one the safety review "
    "committee reviews under this name.")


class DataCut(AuditedModel):
    """A named, e-signed data cut: an endpoint snapshot frozen for the safety review committee.

    Its snapshot is never pruned (`endpoints.snapshots._prune` skips it, and the foreign key
    protects it). `positions` are the audit trail's positions when the snapshot's data were
    read, in the same transaction: each audited history table's highest `history_id`. From
    them the report can be re-derived out of the history alone (`endpoints.data_cuts.rederive`)
    and compared with the snapshot. `rules_day` is the day whose DLT rules (a candidate's
    observation window) the report applied. A cut is never edited or deleted.
    """

    name = models.CharField(max_length=120, unique=True, error_messages={
        "unique": "A data cut with this name exists already: data cut names are unique."})
    reason = models.TextField()
    cutoff = models.DateField()
    rules_day = models.DateField()
    snapshot = models.OneToOneField(EndpointSnapshot, on_delete=models.PROTECT,
                                    related_name="data_cut")
    positions = models.JSONField(
        help_text="Each audited history table's highest history_id when the data were read.")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    signer_printed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField()
    signature_meaning = models.CharField(max_length=200, default=DATA_CUT_MEANING)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        permissions = [("freeze_datacut", "Can freeze a data cut with an e-signature")]

    def __str__(self):
        return f"data cut {self.name!r} (cutoff {self.cutoff})"
