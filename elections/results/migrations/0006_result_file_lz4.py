"""Published files are compressed with lz4 instead of pglz where PostgreSQL offers it: the
files of a million ballots are tens of megabytes, and pglz took longer to store them than
the count took to make them. Older rows keep their compression until rewritten."""

from django.db import migrations


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
            "AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone() is None:
            return
        cursor.execute("ALTER TABLE results_resultfile ALTER COLUMN content SET COMPRESSION lz4")


def use_default(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE results_resultfile ALTER COLUMN content SET COMPRESSION default"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0005_result_audit_head"),
    ]

    operations = [migrations.RunPython(use_lz4, use_default)]
