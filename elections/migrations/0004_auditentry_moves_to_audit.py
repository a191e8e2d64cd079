# The audit log's model now belongs to the audit app (audit.0001); its table stays as it is.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("elections", "0003_election_auto_publish_results"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
