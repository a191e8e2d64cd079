"""The audit log's one table."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntry(models.Model):
    """One state change: who, when, what, on which object, and why.

    Append-only and hash-chained: ``entry_hash`` is the sha256 of this entry's content and the
    previous entry's hash, so removing or editing any entry breaks every hash after it
    (checked by ``audit.selectors.audit_chain_breaks`` and ``manage.py audit_verify``). On
    PostgreSQL a trigger (migration audit.0002) refuses every UPDATE and DELETE of a row.
    """

    created_at = models.DateTimeField(editable=False)
    # PROTECT: deleting a person who acted must not rewrite the entries that name them (an
    # UPDATE the trigger refuses); Django refuses the deletion first, naming the entries, and
    # the account is deactivated instead.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_constraint=False,
    )
    # What the actor was called at the time ("system" for the scheduler); hashed, unlike the FK.
    actor_label = models.CharField(max_length=254, editable=False)
    action = models.CharField(max_length=100, editable=False)
    target = models.CharField(max_length=200, editable=False)
    detail = models.JSONField(default=dict, editable=False)
    previous_hash = models.CharField(max_length=64, unique=True, editable=False)
    entry_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["-pk"]
        # The table and its index keep the names they had when the log lived in the
        # elections app: the model moved (migrations audit.0001, elections.0004), no row did.
        db_table = "elections_auditentry"
        indexes = [models.Index(fields=["target"], name="elections_a_target_268029_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Audit entries cannot be deleted.")
