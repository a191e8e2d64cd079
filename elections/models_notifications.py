"""Mail the elections app sends: one row per e-mail, so sending is idempotent and failures show.

Kept out of ``elections.models`` (which imports these names, so ``from elections.models import
Notification`` keeps working).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    CANDIDACY_APPROVED = "candidacy_approved", "Candidacy approved"
    CANDIDACY_REJECTED = "candidacy_rejected", "Candidacy rejected"
    POLLING_OPEN = "polling_open", "Polling is open"
    POLLING_REMINDER = "polling_reminder", "Reminder: polling closes soon"
    EXCEPTION_APPROVED = "exception_approved", "Exception request approved"
    EXCEPTION_REFUSED = "exception_refused", "Exception request refused"


class NotificationState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One e-mail to one person. Rows make sending idempotent and failures visible."""

    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.CASCADE, related_name="notifications"
    )
    candidacy = models.ForeignKey(
        "elections.Candidacy",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    exception_request = models.ForeignKey(
        "elections.ExceptionRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    state = models.CharField(
        max_length=20, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Each electorate mail goes once per person and contest, however often the
            # scheduler runs; review decisions may be sent again after a new decision.
            models.UniqueConstraint(
                fields=["kind", "contest", "recipient"],
                condition=models.Q(kind__in=["polling_open", "polling_reminder"]),
                name="one_electorate_mail_per_person",
            ),
        ]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.state})"
