"""Admin pages for every model, for admins (who edit) and monitors (who read).

Every save goes through `audit.record_save` with the reason typed into the form; nothing can be
deleted; a record is voided by giving a void reason. The History button shows the audit trail.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from .audit import (
    ClinicalRecord,
    LockedRecordError,
    StaleRecordError,
    check_writable,
    record_save,
    record_void,
)
from .forms import VersionedEditForm
from .models import EndpointSnapshot, Study


class AuditedAdminForm(VersionedEditForm):
    change_reason = forms.CharField(
        label="Reason for change", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you change a saved record; kept in the audit trail.")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.has_changed() and not self.reason_given(cleaned):
            self.add_error("change_reason", "A reason for change is required when a saved "
                                            "record is edited.")
        opened = cleaned.get("row_version")
        if self.instance.pk and opened is not None and opened != self.instance.row_version:
            # Saved by someone else since this page was opened: said here, with the typed
            # values kept (record_save would refuse it too, after the form).
            self.refuse_offering_current_version(str(StaleRecordError(self.instance)))
        else:
            self.take_opened_version(cleaned)
        return cleaned

    def reason_given(self, cleaned) -> bool:
        return bool((cleaned.get("change_reason") or "").strip())

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the typed values
        # A locked record is refused on the form, with the lock named, rather than on save.
        try:
            check_writable(self.instance)
        except LockedRecordError as locked:
            self.add_error(None, locked)


class ClinicalAdminForm(AuditedAdminForm):
    void_reason_input = forms.CharField(
        label="Void this record because", required=False,
        help_text="Fill in only to void a record entered in error. It stays in the audit trail.")

    def reason_given(self, cleaned) -> bool:
        return super().reason_given(cleaned) or bool(
            (cleaned.get("void_reason_input") or "").strip())


class AuditedAdmin(SimpleHistoryAdmin):
    form = AuditedAdminForm
    actions = None
    # The form's own hidden field, not the model's (not editable) one.
    exclude = ("row_version",)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleRecordError as stale:  # saved by someone else between the form and save
            self.message_user(request, str(stale), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def has_delete_permission(self, request, obj=None):
        return False  # audited records are never deleted

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # nothing to record
        reason = form.cleaned_data.get("change_reason", "")
        # The form has already validated the instance; record_save adds the audit entry.
        record_save(obj, by=request.user, reason=reason, validate=False)


class ClinicalAdmin(AuditedAdmin):
    form = ClinicalAdminForm
    readonly_fields = ("voided_at", "voided_by", "void_reason")

    def get_queryset(self, request):
        # Monitors and admins see voided records too, marked as such.
        return self.model.all_objects.all()

    def save_model(self, request, obj, form, change):
        void_reason = form.cleaned_data.get("void_reason_input", "").strip()
        if change and void_reason:
            record_void(obj, by=request.user, reason=void_reason)
            return
        super().save_model(request, obj, form, change)


def register_clinical(*models, list_display=("__str__",), **options):
    for model in models:
        base = ClinicalAdmin if issubclass(model, ClinicalRecord) else AuditedAdmin
        admin_class = type(f"{model.__name__}Admin", (base,),
                           {"list_display": (*list_display, *_voided_column(model)), **options})
        admin.site.register(model, admin_class)


def _voided_column(model):
    return ("voided_at",) if issubclass(model, ClinicalRecord) else ()


@admin.register(Study)
class StudyAdmin(AuditedAdmin):
    list_display = ("protocol_id", "escalation_design", "target_dlt_rate", "dlt_window_days")

    def has_add_permission(self, request):
        return not Study.objects.exists() and super().has_add_permission(request)


@admin.register(EndpointSnapshot)
class EndpointSnapshotAdmin(admin.ModelAdmin):
    """Computed reports: read-only (they are derived from the audited data)."""

    list_display = ("cutoff", "computed_at", "duration_ms", "data_version")
    exclude = ("report",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
