from django.contrib import admin

from core.account_admin import ReadOnlyAdminMixin
from endpoints.models import EndpointSnapshot


@admin.register(EndpointSnapshot)
class EndpointSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Computed reports: read-only (they are derived from the audited data)."""

    list_display = ("cutoff", "computed_at", "duration_ms", "data_version")
    exclude = ("report",)
