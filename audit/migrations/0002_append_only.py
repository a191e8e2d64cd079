# The audit log becomes append-only in the database itself, not only in the model's save() and
# delete(): on PostgreSQL a trigger refuses every UPDATE and DELETE of a row of
# elections_auditentry, whatever code (or psql session) asks. SQLite, the embedded default for
# development, gets no trigger.
#
# TRUNCATE is not blocked: Django's test runner empties tables with it, and the table's owner
# (the only role that may TRUNCATE, or disable this trigger) can rewrite anything anyway. What
# catches a rewrite by the owner is the published chain head (docs/audit.md): a head published
# before the rewrite is no longer in the chain, and `manage.py audit_verify --head` says so.
#
# The actor's foreign key moves from SET_NULL (an UPDATE of audit rows on a user's deletion,
# which the trigger would refuse with a 500) to PROTECT: Django refuses to delete a person the
# log names, listing the entries. db_constraint stays False, so no SQL changes for it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "elections_auditentry"
FUNCTION = "audit_entry_append_only"
TRIGGER = "audit_entry_append_only"

CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % of audit entry % refused.', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'Audit entries are never changed or removed; record a new entry instead.';
END;
$body$;
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the % in the message are PL/pgSQL's, not the driver's.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
