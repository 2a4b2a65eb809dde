# The access log (network.access_log).
#
# On PostgreSQL a trigger makes the table append-only for everyone who uses it, not only
# for the ORM. It fires on UPDATE and DELETE, not on TRUNCATE: the test suite empties
# tables with TRUNCATE. SQLite gets no trigger: Django empties SQLite test databases with
# DELETE, and the SQLite file is for trying the site locally.

import django.utils.timezone
from django.db import migrations, models

TABLE = "network_accesslogentry"
FUNCTION = "network_accesslogentry_append_only"

CREATE_TRIGGER = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'the access log is append-only: ' || TG_OP || ' refused',
        HINT = 'Entries are only ever added (network.access_log.record).';
END;
$$;
CREATE TRIGGER {FUNCTION} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP_TRIGGER = f"""
DROP TRIGGER IF EXISTS {FUNCTION} ON {TABLE};
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('network', '0002_organisation_is_trusted'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('occurred_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                ('actor_id', models.BigIntegerField(blank=True, null=True, verbose_name='user id')),
                ('actor_role', models.CharField(blank=True, help_text='The role under which the record was accessed; empty for anonymous.', max_length=30, verbose_name='role')),
                ('action', models.CharField(choices=[('view', 'viewed'), ('search', 'searched'), ('print', 'printed'), ('export', 'exported'), ('change', 'changed')], max_length=10, verbose_name='action')),
                ('object_type', models.CharField(max_length=100, verbose_name='type of record')),
                ('object_id', models.CharField(blank=True, max_length=64, verbose_name='record id')),
                ('description', models.CharField(blank=True, max_length=200, verbose_name='description')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                ('path', models.CharField(blank=True, max_length=300, verbose_name='path')),
            ],
            options={
                'verbose_name': 'access log entry',
                'verbose_name_plural': 'access log',
                'ordering': ['-occurred_at', '-id'],
                'default_permissions': ['view'],
                'indexes': [models.Index(fields=['object_type', 'object_id', 'occurred_at'], name='accesslog_object_idx'), models.Index(fields=['actor_id', 'occurred_at'], name='accesslog_actor_idx')],
            },
        ),
        # The hint routes this like the table: to wherever AccessLogEntry migrates.
        migrations.RunPython(create_trigger, drop_trigger, hints={'model_name': 'accesslogentry'}),
    ]
