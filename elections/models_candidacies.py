"""Candidacies: a person standing in a PTL or TC contest, with their platform and the review
that lets them stand.

Imported at the bottom of ``elections.models`` (the app's models live there for Django and for
every ``from elections.models import ...``); written only by ``elections.actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CandidacyState(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, awaiting review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Candidacy(models.Model):
    """A person standing in a PTL or TC contest, with their platform."""

    contest = models.ForeignKey(
        "elections.Contest", on_delete=models.CASCADE, related_name="candidacies"
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="candidacies"
    )
    platform = models.TextField(help_text="Markdown.")
    # Rendered and sanitised once, when the platform is written (elections.markdown).
    platform_html = models.TextField(editable=False)
    affiliation = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=20, choices=CandidacyState.choices, default=CandidacyState.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    # Two-official approval: the official who proposed approving, until another confirms.
    approval_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    approval_proposed_at = models.DateTimeField(null=True, blank=True)
    # Filed by an official for the candidate (e.g. a candidacy mailed to the officials).
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    filing_reason = models.TextField(blank=True)
    # A candidacy of record (openstack/election ``candidates/<release>/<Team>/<file>``): the
    # file it was read from, the IRC nick published with it, and, for a poll held elsewhere,
    # whether the published result elected them (None: not known from the record). The name
    # and nick are the ones published then (people change them; the account keeps today's).
    record_path = models.CharField(max_length=300, blank=True, editable=False)
    name_of_record = models.CharField(max_length=200, blank=True, editable=False)
    ircname = models.CharField("IRC nick", max_length=100, blank=True)
    elected_of_record = models.BooleanField(null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "elections"
        verbose_name_plural = "candidacies"
        ordering = ["contest", "submitted_at"]
        constraints = [
            # One candidacy per person and contest; withdrawing and standing again reuses it.
            models.UniqueConstraint(
                fields=["contest", "candidate"], name="one_candidacy_per_person_and_contest"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="rejected") | ~models.Q(review_reason=""),
                name="rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate.display_name} for {self.contest.name}"

    @property
    def choice_key(self) -> str:
        return f"candidacy-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in (CandidacyState.SUBMITTED, CandidacyState.APPROVED)

    @property
    def elected_by_acclamation(self) -> bool:
        # "acclaimed" is ContestState.ACCLAIMED: elections.models imports this module, so this
        # module does not import it back.
        return self.state == CandidacyState.APPROVED and self.contest.state == "acclaimed"
