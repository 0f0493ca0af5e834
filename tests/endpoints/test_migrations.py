"""The endpoint snapshots moved from the kernel app (label trial_edc) to this one: on a database
migrated before the move, the snapshots stay, under the new table, with their content type."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("trial_edc", "0009_api_token_events"), ("endpoints", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest_targets():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_snapshots_taken_before_the_move_are_kept():
    # given a database as it stood before the move, holding a snapshot
    migrate(BEFORE_THE_MOVE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO trial_edc_endpointsnapshot (cutoff, computed_at, duration_ms, "
            "data_version, report, review) VALUES ('2025-06-30', '2025-06-30 12:00:00', 41, "
            "'17', '{\"cutoff\": \"2025-06-30\"}', '{}')")
    ContentType.objects.filter(model="endpointsnapshot").delete()
    ContentType.objects.create(app_label="trial_edc", model="endpointsnapshot")
    # when it is migrated forward
    migrate(latest_targets())
    # then the snapshot is in the analysis app's table, and its content type followed it
    from endpoints.models import EndpointSnapshot

    snapshot = EndpointSnapshot.objects.get()
    assert (snapshot.data_version, snapshot.report) == ("17", {"cutoff": "2025-06-30"})
    assert snapshot._meta.db_table == "endpoints_endpointsnapshot"
    assert ContentType.objects.filter(app_label="endpoints", model="endpointsnapshot").exists()
    assert not ContentType.objects.filter(app_label="trial_edc",
                                          model="endpointsnapshot").exists()
