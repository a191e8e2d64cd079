# The audit log moves here from the elections app. Only Django's idea of the model moves: the
# table (elections_auditentry), its rows, index and constraints stay exactly as they were, so no
# entry is copied and the hash chain is untouched (elections.0004 drops the old model's state).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    # Permissions hang on the content type: moving it keeps who may view the log.
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="audit", model="auditentry").exists():
        content_type.objects.filter(app_label="elections", model="auditentry").update(
            app_label="audit"
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("elections", "0003_election_auto_publish_results"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(editable=False)),
                        ("actor_label", models.CharField(editable=False, max_length=254)),
                        ("action", models.CharField(editable=False, max_length=100)),
                        ("target", models.CharField(editable=False, max_length=200)),
                        ("detail", models.JSONField(default=dict, editable=False)),
                        ("previous_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        ("entry_hash", models.CharField(editable=False, max_length=64, unique=True)),
                        ("actor", models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name_plural": "audit entries",
                        "ordering": ["-pk"],
                        "db_table": "elections_auditentry",
                        "indexes": [models.Index(fields=["target"], name="elections_a_target_268029_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
