"""The data migration that marks decisions imported before migrated decisions existed: each gets
the migrated name and meaning with a history row; an investigator's signature is left alone."""

import importlib
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from core.audit import field_changes, record_save, system_user
from safety.models import DltAdjudication
from tests import factories

pytestmark = pytest.mark.django_db
NAME = "0004_mark_migrated_dlt_decisions"
migration = importlib.import_module(f"safety.migrations.{NAME}")


def models_as_migrated():
    """The models as the migration sees them (no custom save, as in `migrate`)."""
    return MigrationLoader(connection).project_state(("safety", NAME)).apps


def legacy_import(adverse_event) -> DltAdjudication:
    """A decision as the import wrote it before: signed by the system user, the investigator's
    meaning."""
    system = system_user()
    return record_save(DltAdjudication(
        adverse_event=adverse_event, decision="confirmed", signed_by=system,
        signer_printed_name="Imported from a casebook bundle",
        signed_at=datetime(2024, 4, 1, tzinfo=UTC),
        rationale="Adjudicated before this database; imported from a casebook bundle."),
        by=system, reason="import")


def test_legacy_imported_decisions_are_marked_with_a_history_row(infused_patient):
    # given
    legacy = legacy_import(factories.adverse_event(infused_patient))
    signed = factories.adjudication(factories.adverse_event(infused_patient, term="Fever"))
    assert not legacy.is_migrated
    # when
    migration.mark_imported_decisions(models_as_migrated(), None)
    # then
    legacy.refresh_from_db()
    assert legacy.is_migrated and legacy.signer_printed_name == "Migrated from a casebook bundle"
    assert legacy.row_version == 2
    latest = field_changes(legacy)[0]
    assert (latest["who"], latest["reason"]) == ("system", migration.REASON)
    assert {c["field"] for c in latest["changes"]} == {"signer_printed_name",
                                                      "signature_meaning"}
    signed_after = DltAdjudication.objects.get(pk=signed.pk)
    assert (signed_after.signature_meaning, signed_after.row_version) == (
        signed.signature_meaning, signed.row_version)


def test_the_frozen_texts_match_the_models():
    from safety import models

    assert (migration.MIGRATED_SIGNER_NAME, migration.MIGRATED_MEANING) == (
        models.MIGRATED_SIGNER_NAME, models.MIGRATED_MEANING)
