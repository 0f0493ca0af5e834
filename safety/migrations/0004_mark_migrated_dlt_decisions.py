"""Decisions imported before migrated decisions were marked as such read, by their meaning, as
an investigator's e-signature ("I confirm, as investigator, …"), signed by the system user. Each
gets the migrated printed name and meaning, with a history row saying why: the audit trail shows
the old and new values, and the correction's author is the system user that imported them."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

LEGACY_SIGNER_NAME = "Imported from a casebook bundle"
# Frozen copies of safety.models.MIGRATED_SIGNER_NAME and MIGRATED_MEANING.
MIGRATED_SIGNER_NAME = "Migrated from a casebook bundle"
MIGRATED_MEANING = ("Migrated legacy decision, carried in by a casebook import: not an "
                    "e-signature made in this EDC.")
REASON = "marked as a migrated legacy decision: imported, not an e-signature made in this EDC"


def mark_imported_decisions(apps, schema_editor):
    app_label, model_name = settings.AUTH_USER_MODEL.split(".")
    system = apps.get_model(app_label, model_name).objects.filter(
        username=settings.SYSTEM_USERNAME).first()
    if system is None:
        return
    decisions = apps.get_model("safety", "DltAdjudication")
    history = apps.get_model("safety", "HistoricalDltAdjudication")
    tracked = [f for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    now = timezone.now()
    for decision in decisions.objects.filter(signed_by=system,
                                             signer_printed_name=LEGACY_SIGNER_NAME):
        decision.signer_printed_name = MIGRATED_SIGNER_NAME
        decision.signature_meaning = MIGRATED_MEANING
        decision.row_version += 1
        decision.updated_at = now
        decision.save()
        history.objects.create(
            **{f.attname: getattr(decision, f.attname) for f in tracked},
            history_date=now, history_user=system, history_change_reason=REASON,
            history_type="~")


class Migration(migrations.Migration):

    dependencies = [
        ("safety", "0003_text_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(mark_imported_decisions, migrations.RunPython.noop),
    ]
