"""What else belongs to a contest besides its candidacies: the options of a community vote and
the appointment that fills a seat nobody stood for.

Imported at the bottom of ``elections.models`` (the app's models live there for Django and for
every ``from elections.models import ...``); written only by ``elections.actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Option(models.Model):
    """One answer in a community vote (a release name, a policy choice)."""

    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.CASCADE, related_name="options"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        app_label = "elections"
        ordering = ["contest", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "name"], name="option_name_per_contest"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def choice_key(self) -> str:
        return f"option-{self.pk}"


class Appointment(models.Model):
    """Who leads a contest that nobody stood in, and who appointed them.

    OpenStack charter: a team without a PTL candidate is "leaderless" and the Technical
    Committee appoints its PTL, usually by a governance change. Officials record the outcome
    (``elections.actions.contest_record_appointment``); one per contest, corrected in place.
    """

    contest = models.OneToOneField(
        "elections.Contest", on_delete=models.CASCADE, related_name="appointment"
    )
    appointee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    appointed_by = models.CharField(
        max_length=200, help_text='Who appointed them, e.g. "the Technical Committee".'
    )
    appointed_on = models.DateField()
    reference = models.URLField(
        max_length=500, blank=True, help_text="e.g. the governance change that appointed them."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        app_label = "elections"

    def __str__(self) -> str:
        return f"appointed: {self.appointee.display_name} by {self.appointed_by}"


class ContestVoter(models.Model):
    """A voter of one contest from its own list: an uploaded file or a governance member
    list. Belongs to this contest only (never to other rolls); frozen into the contest's roll
    with the rest of its electorate."""

    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.CASCADE, related_name="listed_voters"
    )
    email = models.CharField(max_length=254, help_text="Normalised: trimmed, lower-cased.")
    name = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=200, help_text="The file and line it came from.")

    class Meta:
        ordering = ["contest", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "email"], name="one_listed_voter_per_contest"
            )
        ]

    def __str__(self) -> str:
        return self.email


class ExceptionRequestState(models.TextChoices):
    PENDING = "pending", "Awaiting a decision"
    APPROVED = "approved", "Approved: on the contest's voter list"
    REFUSED = "refused", "Refused"


class ExceptionRequest(models.Model):
    """A person not on a contest's roll asks to vote in it, with a reason (Elekto's
    exceptions); an official approves (the address joins the contest's voter list) or
    refuses, with a reason, before the electorate is frozen."""

    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.CASCADE, related_name="exception_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    email = models.CharField(max_length=254, help_text="The requester's verified address.")
    reason = models.TextField()
    state = models.CharField(
        max_length=10, choices=ExceptionRequestState.choices, default=ExceptionRequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "requester"],
                condition=models.Q(state="pending"),
                name="one_pending_exception_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.contest_id} ({self.state})"


class CycleOfRecord(models.Model):
    """A team's PTL contest in a cycle known only from OpenStack's published archive
    (``results/<release>/ptl.yaml`` with no configuration to rebuild the election from): how
    it ended, who won, the poll's link and its turnout where the archive gives it. Written by
    ``elections.actions.cycle_of_record_import``; read by the team's history page."""

    class Outcome(models.TextChoices):
        POLLED = "polled", "Elected in a poll held outside stackvote"
        ACCLAIMED = "acclaimed", "Elected by acclamation"
        LEADERLESS = "leaderless", "Nobody stood: appointment needed"

    release = models.CharField(max_length=50)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="cycles_of_record"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    winners = models.JSONField(default=list, help_text="Names as the archive publishes them.")
    result_url = models.CharField(max_length=500, blank=True)
    electorate = models.PositiveIntegerField(null=True, blank=True)
    voters = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "elections"
        ordering = ["team", "release"]
        constraints = [
            models.UniqueConstraint(fields=["release", "team"], name="one_cycle_of_record_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.release}: {self.get_outcome_display()}"
