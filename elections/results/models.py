"""The result of a contest, the files published with it, and the progress of its tally.

A Result is written once per contest and ballot set (``ballot_set_sha256``): tallying the same
ballots again finds the stored row instead of adding one. Every write goes through
``elections.results.actions``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.urls import reverse

from elections.models import Contest, CountingMethod, Election


class ResultState(models.TextChoices):
    DRAFT = "draft", "Draft (officials only)"
    PUBLISHED = "published", "Published"


class ResultQuerySet(models.QuerySet["Result"]):
    def published(self) -> ResultQuerySet:
        """Results anyone may see."""
        return self.filter(state=ResultState.PUBLISHED)


class Result(models.Model):
    """The count of one contest's ballots by the Condorcet engine."""

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="results")
    # sha256 of the canonical, order-independent form of the counted ballots: the key that
    # makes a tally idempotent (one Result per contest and ballot set).
    ballot_set_sha256 = models.CharField(max_length=64)
    method = models.CharField(max_length=20)
    seats = models.PositiveSmallIntegerField()
    # [{"key": "candidacy-12", "name": "Alice", "affiliation": "ACME"}, ...] in the order of
    # the columns of the published ballot file; "name" is what the engine and the files use.
    candidates = models.JSONField(default=list)
    ranking = models.JSONField(default=list, help_text="Groups of tied names, best first.")
    winners = models.JSONField(default=list)
    pairwise = models.JSONField(default=list, help_text="d[i][j]: ballots preferring i to j.")
    strongest_paths = models.JSONField(default=list)
    condorcet_winner = models.CharField(max_length=200, blank=True)
    smith_set = models.JSONField(default=list)
    tie_seed = models.CharField(max_length=200, blank=True)
    tie_breaks = models.JSONField(default=list)
    # Ties that decide a seat when no seed was published: nothing is guessed, the seats at
    # stake stay open until the officials publish a seed and tally again.
    unresolved_ties = models.JSONField(default=list)
    locked_pairs = models.JSONField(default=list, help_text="Ranked Pairs: majorities locked.")
    affiliation_adjustments = models.JSONField(default=list)
    ballot_count = models.PositiveIntegerField()
    electorate_size = models.PositiveIntegerField(null=True, blank=True)
    turnout_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # sha256 of the published ballot file (CSV): what `python -m elections.condorcet tally`
    # prints as input_sha256 for that file.
    ballot_file_sha256 = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=50)
    state = models.CharField(max_length=20, choices=ResultState.choices, default=ResultState.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    unpublished_at = models.DateTimeField(null=True, blank=True)
    unpublish_reason = models.TextField(blank=True)
    # The audit chain's head when the result was last published (its own ``result.publish``
    # entry): anyone who keeps it can later check the log still holds the history behind it.
    audit_head = models.CharField(max_length=64, blank=True)
    audit_position = models.PositiveIntegerField(null=True, blank=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "ballot_set_sha256"],
                name="one_result_per_contest_and_ballot_set",
            ),
            # Only one result of a contest is public at a time.
            models.UniqueConstraint(
                fields=["contest"],
                condition=models.Q(state="published"),
                name="one_published_result_per_contest",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="published") | models.Q(published_at__isnull=False),
                name="published_result_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Result of {self.contest.name} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse(
            "results_contest",
            kwargs={
                "election_slug": self.contest.election.slug,
                "contest_slug": self.contest.slug,
            },
        )

    def get_method_display_name(self) -> str:
        return dict(CountingMethod.choices).get(self.method, self.method)

    @property
    def is_published(self) -> bool:
        return self.state == ResultState.PUBLISHED

    @property
    def turnout(self) -> Decimal | None:
        return self.turnout_percent

    @property
    def names(self) -> list[str]:
        return [candidate["name"] for candidate in self.candidates]


class ResultFileKind(models.TextChoices):
    BALLOTS_CSV = "ballots_csv", "Ballots (CSV)"
    BALLOTS_PREFLIB = "ballots_preflib", "Ballots (PrefLib)"
    RESULT_JSON = "result_json", "Result (JSON)"
    RECEIPTS = "receipts", "Counted receipt hashes"
    TRACKERS = "trackers", "Ballots with their trackers (CSV)"


# File name suffix and media type of each kind.
RESULT_FILE_FORMATS: dict[str, tuple[str, str]] = {
    ResultFileKind.BALLOTS_CSV: ("ballots.csv", "text/csv; charset=utf-8"),
    ResultFileKind.BALLOTS_PREFLIB: ("ballots.toi", "text/plain; charset=utf-8"),
    ResultFileKind.RESULT_JSON: ("result.json", "application/json"),
    ResultFileKind.RECEIPTS: ("receipts.txt", "text/plain; charset=utf-8"),
    ResultFileKind.TRACKERS: ("trackers.csv", "text/csv; charset=utf-8"),
}


class ResultFile(models.Model):
    """A file published with a result, stored byte for byte so its hash never changes."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=20, choices=ResultFileKind.choices)
    content = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["result", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["result", "kind"], name="one_file_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.result})"

    @property
    def filename(self) -> str:
        suffix = RESULT_FILE_FORMATS[self.kind][0]
        return f"{self.result.contest.election.slug}-{self.result.contest.slug}-{suffix}"

    @property
    def content_type(self) -> str:
        return RESULT_FILE_FORMATS[self.kind][1]


class TallyRunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Counting"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


class TallyRun(models.Model):
    """One attempt to tally a contest, so officials can follow its progress and errors."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="tally_runs")
    # The Celery task id: a redelivered task updates its own row instead of adding one.
    task_id = models.CharField(max_length=255, unique=True)
    state = models.CharField(
        max_length=20, choices=TallyRunState.choices, default=TallyRunState.QUEUED
    )
    ballot_count = models.PositiveIntegerField(null=True, blank=True)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    result = models.ForeignKey(
        Result, on_delete=models.SET_NULL, null=True, blank=True, related_name="tally_runs"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["contest", "state"])]

    def __str__(self) -> str:
        return f"Tally of {self.contest.name}: {self.get_state_display()}"

    @property
    def progress(self) -> str:
        if self.chunks_total:
            return f"{self.chunks_done}/{self.chunks_total} chunks"
        return self.get_state_display()


class ElectionAtAGlance(Election):
    """Each election with its phase, ballots cast and turnout: the officials' overview."""

    class Meta:
        proxy = True
        verbose_name = "election at a glance"
        verbose_name_plural = "elections at a glance"
