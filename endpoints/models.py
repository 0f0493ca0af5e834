"""The endpoint snapshots: computed reports, kept so that reports are served without
recomputing."""

from django.db import models

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
