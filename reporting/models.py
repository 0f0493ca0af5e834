"""The report's drawings kept with the snapshot they show, so that a page view serves them
instead of drawing them."""

from django.db import models

from endpoints.models import EndpointSnapshot


class SnapshotDrawing(models.Model):
    """One drawn plot (SVG or PNG) or PDF of one snapshot.

    Derived data, not a CRF: drawn by the live recompute right after it computes the snapshot
    (`reporting.drawings`), or on the first request that needs one it lacks; it goes when its
    snapshot is pruned. Only drawings of the data the snapshot was computed from are kept: what
    is drawn on a request while the snapshot is stale is not.
    """

    snapshot = models.ForeignKey(EndpointSnapshot, on_delete=models.CASCADE,
                                 related_name="drawings")
    name = models.CharField(max_length=40, help_text="A plot's name, a page of the swimmer "
                                                     "plot (swimmer-page-2) or the PDF.")
    format = models.CharField(max_length=8)
    body = models.BinaryField()
    duration_ms = models.FloatField(help_text="The time it took to draw.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["snapshot", "name", "format"],
                                               name="one_drawing_per_snapshot")]

    def __str__(self):
        return f"{self.name}.{self.format} of snapshot {self.snapshot_id}"
