# The endpoint snapshots, moved here from the kernel app (label `trial_edc`): the model takes
# over its table as it is, then the table takes this app's name; its content type follows, so
# that permissions on it stay attached.

import core.fields
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    types = apps.get_model('contenttypes', 'ContentType').objects.using(
        schema_editor.connection.alias)
    old = types.filter(app_label='trial_edc', model='endpointsnapshot')
    if types.filter(app_label='endpoints', model='endpointsnapshot').exists():
        old.delete()  # made already (a database migrated to and fro): keep that one
    else:
        old.update(app_label='endpoints')


def content_type_returns(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label='endpoints', model='endpointsnapshot').update(app_label='trial_edc')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('trial_edc', '0010_endpointsnapshot_moves_to_endpoints'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.CreateModel(
                name='EndpointSnapshot',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('cutoff', models.DateField()),
                    ('computed_at', models.DateTimeField(auto_now_add=True)),
                    ('duration_ms', models.FloatField()),
                    ('data_version', models.CharField(max_length=40)),
                    ('report', core.fields.JSONDocumentField()),
                    ('review', core.fields.JSONDocumentField(default=dict, help_text='The data-review listing (contract §5).')),
                ],
                options={
                    'db_table': 'trial_edc_endpointsnapshot',
                    'get_latest_by': 'computed_at',
                    'indexes': [models.Index(fields=['cutoff', '-computed_at'], name='snapshot_latest')],
                },
            )],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='endpointsnapshot', table=None),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
