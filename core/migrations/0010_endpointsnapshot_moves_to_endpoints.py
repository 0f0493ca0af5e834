# The endpoint snapshots belong to the analysis app (`endpoints`) now. The model leaves this
# app's state only: its table is kept and taken over, renamed, by endpoints' first migration.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('trial_edc', '0009_api_token_events'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='EndpointSnapshot')],
            database_operations=[],
        ),
    ]
