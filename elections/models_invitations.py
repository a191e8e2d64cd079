"""Invitations: one e-mail per person on a contest's frozen roll, account or not.

Kept out of ``elections.models`` (which imports these names). A row is the mail's whole
life: queued, claimed and sent by a worker (``elections.actions.invitations``), and the
single use of the sign-in link it carries.
"""

from __future__ import annotations

from django.db import models


class InvitationKind(models.TextChoices):
    """The notice calendar, in the order the notices go (``elections.notices``)."""

    ELECTION_SEASON = "election_season", "The election is coming"
    NOMINATIONS_KICKOFF = "nominations_kickoff", "Nominations are open"
    NOMINATIONS_LAST_DAYS = "nominations_last_days", "Last days of nominations"
    NOMINATIONS_END = "nominations_end", "End of nominations"
    CAMPAIGNING_KICKOFF = "campaigning_kickoff", "Campaigning is open"
    POLLING_OPEN = "polling_open", "Polling is open"
    # To the announcement list only (OpenStack's "voting last days" to openstack-discuss):
    # each person who has not voted gets the reminder instead.
    POLLING_LAST_DAYS = "polling_last_days", "Last days of polling"
    POLLING_REMINDER = "polling_reminder", "Reminder: polling closes soon"
    RESULTS = "results", "Results"


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    # Claimed by a worker, which is sending it; back to pending if the worker died.
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    OPTED_OUT = "opted_out", "Not sent: opted out"


class Invitation(models.Model):
    """One notice to one person on a contest's roll (its roll entry), at the entry's address:
    the account's primary address when the person's addresses are on an account, else the
    contributing address. Several addresses of one person are one entry, so one mail."""

    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.CASCADE, related_name="invitations"
    )
    kind = models.CharField(max_length=30, choices=InvitationKind.choices)
    roll_entry = models.ForeignKey(
        "accounts.RollEntry", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    email = models.CharField(max_length=254)
    state = models.CharField(
        max_length=10, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a task was last queued for it; the sweep queues again what waits long after.
    queued_at = models.DateTimeField()
    # When a worker claimed it (state "sending"): a claim this old is a dead worker's.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Not tried before this (a retry's back-off).
    not_before = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # The link: good until ``expires_at`` (the poll's close), once.
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "kind", "roll_entry"], name="one_invitation_per_person"
            ),
        ]
        indexes = [
            models.Index(
                fields=["not_before"],
                condition=models.Q(state="pending"),
                name="invitation_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.email} ({self.state})"


class NoticeRunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    # Found by the scheduler after its moment had passed for good (``STACKVOTE_NOTICE_GRACE_
    # DAYS``): not sent, unless an official sends it deliberately.
    MISSED = "missed", "Not sent: its moment had passed"


class NoticeRun(models.Model):
    """An election-wide notice of the calendar queued (once: the unique constraint), by the
    scheduler when its date came, or by an official; or recorded as missed
    (``elections.actions.notice_calendar``)."""

    election = models.ForeignKey(
        "elections.Election", on_delete=models.CASCADE, related_name="notice_runs"
    )
    kind = models.CharField(max_length=30, choices=InvitationKind.choices)
    state = models.CharField(
        max_length=10, choices=NoticeRunState.choices, default=NoticeRunState.QUEUED
    )
    # When it was queued, or found missed.
    queued_at = models.DateTimeField()
    recipients = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "kind"], name="one_notice_run_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.election_id}): {self.recipients}"


class ElectionOptOut(models.Model):
    """An address that asked for no more mail about one election (the link in each mail)."""

    election = models.ForeignKey(
        "elections.Election", on_delete=models.CASCADE, related_name="opt_outs"
    )
    email = models.CharField(max_length=254, help_text="Normalised: trimmed, lower-cased.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "email"], name="one_opt_out_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.email} opted out of {self.election_id}"


class NoticeAudience(models.TextChoices):
    # Each person on the rolls, with their own links.
    PEOPLE = "people", "Each person"
    # The election's announcement list (``Election.announcement_address``): one general mail.
    LIST = "list", "The announcement list"


class NoticeTemplate(models.Model):
    """An election's own words for one notice, replacing the default text
    (``elections.notices``: plain text with ``$placeholders``): the mail to each person, or
    the announcement to the list."""

    election = models.ForeignKey(
        "elections.Election", on_delete=models.CASCADE, related_name="notice_templates"
    )
    kind = models.CharField(max_length=30, choices=InvitationKind.choices)
    audience = models.CharField(
        max_length=10, choices=NoticeAudience.choices, default=NoticeAudience.PEOPLE
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "kind", "audience"], name="one_notice_text_per_audience"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.election_id})"


class AnnouncementState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Announcement(models.Model):
    """One calendar notice announced to the election's list (its ``announcement_address``),
    once: the unique constraint. Queued in the transaction that queues the notice, sent by
    ``elections.send_announcement`` after the commit (``elections.actions.announcements``)."""

    election = models.ForeignKey(
        "elections.Election", on_delete=models.CASCADE, related_name="announcements"
    )
    kind = models.CharField(max_length=30, choices=InvitationKind.choices)
    # The list's address when the notice was queued.
    address = models.CharField(max_length=254)
    state = models.CharField(
        max_length=10, choices=AnnouncementState.choices, default=AnnouncementState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    queued_at = models.DateTimeField()
    not_before = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["election", "kind"], name="one_announcement_per_notice")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.address} ({self.state})"
