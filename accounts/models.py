"""People and eligibility.

The ``User`` is an account that signs in; its e-mail addresses (allauth's ``EmailAddress``)
each carry their own verification state, and only verified ones ever link the account to
contribution data.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An account needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person with an account. Signs in with an e-mail address; has no username."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("primary e-mail address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.email.split("@", 1)[0]


# --- Eligibility: teams, repositories, contributions, rolls ------------------------------
#
# Who may vote is decided by what people contributed (OpenStack TC charter): the models
# below hold the governance data (who owns which repository), the contributions read from
# git and Gerrit, and the frozen rolls. Services in ``accounts/actions/`` are the only
# code that writes them.


class TeamKind(models.TextChoices):
    """Which governance file defines a team (and where a repository's ownership comes from)."""

    OFFICIAL = "official", "Official project team (projects.yaml)"
    TC = "tc", "Technical Committee (technical-committee-repos.yaml)"
    SIG = "sig", "Special interest group (sigs-repos.yaml)"
    LEGACY = "legacy", "Retired (legacy.yaml)"


class Team(models.Model):
    """A project team, the TC, a SIG, or a retired team, as the governance files name it."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=TeamKind.choices)
    leadership_type = models.CharField(max_length=20, blank=True)
    ptl_name = models.CharField("PTL name", max_length=200, blank=True)
    ptl_email = models.CharField("PTL e-mail", max_length=254, blank=True)
    retired_on = models.DateField(null=True, blank=True)
    listed = models.BooleanField(
        default=True, help_text="Present in the last import of the file that defines it."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Repository(models.Model):
    """A git repository, named as the governance files name it (``openstack/nova``).

    Contributions belong to the repository, not to a team, so renaming, moving or retiring
    a team never loses contribution history.
    """

    name = models.CharField(max_length=200, unique=True)
    teams = models.ManyToManyField(Team, through="TeamRepository", related_name="repositories")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "repositories"

    def __str__(self) -> str:
        return self.name


class TeamRepository(models.Model):
    """A team owns (or, with ``retired_on``, owned) a repository through a deliverable."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="ownerships")
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="ownerships")
    deliverable = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=TeamKind.choices)
    retired_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["team__name", "repository__name"]
        verbose_name = "team repository"
        verbose_name_plural = "team repositories"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "repository", "source"], name="one_ownership_per_team_repo_file"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} → {self.repository}"


class ContributionKind(models.TextChoices):
    COMMIT = "commit", "Merged change (author or co-author)"
    REVIEW = "review", "Review (Code-Review ±2 or Workflow +1)"


class ContributionSource(models.TextChoices):
    GIT = "git", "git log"
    GERRIT = "gerrit", "Gerrit export"


class Contribution(models.Model):
    """One person's part in one merged change of one repository.

    ``ref`` is the commit id (or, for Gerrit changes without one, ``change-<number>``); the
    same change is stored once per address and kind, so ingests can run again safely.
    """

    # No index of its own: the unique constraint and the date index both lead with it.
    repository = models.ForeignKey(
        Repository, on_delete=models.CASCADE, related_name="contributions", db_index=False
    )
    kind = models.CharField(max_length=6, choices=ContributionKind.choices)
    # Which ingest stored the row: a commit ingest that must start over (history rewritten,
    # new .mailmap) replaces its own rows and leaves Gerrit's alone.
    source = models.CharField(max_length=6, choices=ContributionSource.choices)
    ref = models.CharField(max_length=64)
    email = models.CharField(max_length=254, help_text="Normalised: trimmed, lower-cased.")
    name = models.CharField(max_length=200, blank=True)
    date = models.DateTimeField(help_text="Committer date (git) or merge/review date (Gerrit).")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["repository", "ref", "email", "kind"], name="one_contribution_per_change"
            )
        ]
        indexes = [
            # Rolls: contributions of a set of repositories inside a window, by address.
            models.Index(
                fields=["repository", "date"], include=["email"], name="contribution_repo_date"
            ),
            # "Am I eligible?": one person's addresses.
            models.Index(fields=["email", "date"], name="contribution_email_date"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.kind} {self.ref[:12]} in {self.repository_id}"


class IngestState(models.Model):
    """Where the last commit ingest of a repository stopped, so the next one is incremental."""

    repository = models.OneToOneField(
        Repository, on_delete=models.CASCADE, related_name="ingest_state"
    )
    last_sha = models.CharField(max_length=64, blank=True)
    # The .mailmap blob the stored commits were mapped with; a new mailmap re-maps them all.
    mailmap_blob = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.repository} at {self.last_sha[:12] or '(nothing)'}"


class IngestRun(models.Model):
    """One import started from the admin or the command line, and how it went."""

    class Kind(models.TextChoices):
        GOVERNANCE = "governance", "Governance files"
        COMMITS = "commits", "Commits from git"
        GERRIT = "gerrit", "Gerrit export"
        # openstack/election's roll rule: the owner of each merged change, nothing else.
        GERRIT_OWNERS = "gerritowners", "Gerrit export, change owners only"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    targets = models.JSONField(
        default=list,
        blank=True,
        help_text="Files (governance, Gerrit) or repositories (commits; empty: all known).",
    )
    base = models.CharField(
        max_length=500, blank=True, help_text="Commits: directory or URL holding the repositories."
    )
    count = models.PositiveBigIntegerField(default=0, help_text="Records stored so far.")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"


class ExtraVoterSource(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    OFFICIAL = "official", "extra-acs in projects.yaml"
    TC = "tc", "extra-acs in technical-committee-repos.yaml"
    SIG = "sig", "extra-acs in sigs-repos.yaml"


class ExtraVoter(models.Model):
    """A voter without counted contributions: an ``extra-acs`` entry or added by an official.

    With a team, the voter is on that team's roll and (as a contributor to it) on the roll of
    all official repositories; without one, only on the latter. OpenStack's rule: the entry
    counts while the roll's window ends before ``expires_on`` (the first day of the
    ``expires-in`` month, 00:00 UTC); no expiry means it always counts.
    """

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="extra_voters"
    )
    repository = models.ForeignKey(
        Repository, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, help_text="Normalised: trimmed, lower-cased.")
    reason = models.CharField(max_length=500)
    expires_on = models.DateField(null=True, blank=True)
    source = models.CharField(
        max_length=10, choices=ExtraVoterSource.choices, default=ExtraVoterSource.MANUAL
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["email"], name="extravoter_email")]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class VoterExclusion(models.Model):
    """An address that may not vote: on one team's roll, or (no team) on every roll."""

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="exclusions"
    )
    email = models.CharField(max_length=254, help_text="Normalised: trimmed, lower-cased.")
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "email"], name="one_exclusion_per_team_and_address"
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(team__isnull=True),
                name="one_global_exclusion_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} excluded ({self.reason})"


class FrozenRollError(Exception):
    """A frozen roll, or one of its entries, cannot be changed or deleted."""


class _FrozenQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise FrozenRollError("A frozen roll cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise FrozenRollError("A frozen roll cannot be deleted.")


class IdentityLink(models.Model):
    """An address seen under one identity of a contribution source (a Gerrit account, by id
    or username): every address of one identity is one person on a roll."""

    identity = models.CharField(max_length=200)
    email = models.CharField(max_length=254, help_text="Normalised: trimmed, lower-cased.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity", "email"], name="one_identity_link")
        ]

    def __str__(self) -> str:
        return f"{self.identity} {self.email}"


class Roll(models.Model):
    """An electorate frozen at one moment: who may vote for one scope and window.

    Immutable once created (saving again, updating or deleting raises ``FrozenRollError``).
    The fingerprint is the SHA-256 of the sorted addresses, one per line, so two officials
    can compare the roll they hold with the stored one.
    """

    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rolls",
        help_text="Empty: every official repository (the Technical Committee electorate).",
    )
    scope = models.CharField(max_length=200, help_text="Team name at freezing, or 'all'.")
    start = models.DateTimeField(help_text="Window start (inclusive).")
    end = models.DateTimeField(help_text="Window end (exclusive).")
    min_contributions = models.PositiveIntegerField(default=1)
    fingerprint = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = _FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Roll #{self.pk}: {self.scope} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise FrozenRollError("A frozen roll cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise FrozenRollError("A frozen roll cannot be deleted.")


class RollEntry(models.Model):
    """One voter of a frozen roll, under the address their roll entry (and ballot) uses.

    That is the account's primary address when the voter's addresses are verified on an
    account, else the contributing address itself.
    """

    roll = models.ForeignKey(Roll, on_delete=models.PROTECT, related_name="entries", db_index=False)
    email = models.CharField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    contributions = models.PositiveIntegerField(default=0)
    reasons = models.CharField(max_length=500, blank=True)

    objects = _FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["roll", "email"]
        verbose_name_plural = "roll entries"
        constraints = [
            models.UniqueConstraint(fields=["roll", "email"], name="one_entry_per_roll_address")
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise FrozenRollError("A frozen roll cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise FrozenRollError("A frozen roll cannot be deleted.")


class RollAddress(models.Model):
    """Every address that made a voter eligible (and the entry's own), so a voter is still
    recognised by any of them after changing their primary address."""

    roll = models.ForeignKey(
        Roll, on_delete=models.PROTECT, related_name="addresses", db_index=False
    )
    entry = models.ForeignKey(RollEntry, on_delete=models.PROTECT, related_name="addresses")
    email = models.CharField(max_length=254)

    objects = _FrozenQuerySet.as_manager()

    class Meta:
        ordering = ["roll", "email"]
        verbose_name_plural = "roll addresses"
        constraints = [models.UniqueConstraint(fields=["roll", "email"], name="one_roll_address")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise FrozenRollError("A frozen roll cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise FrozenRollError("A frozen roll cannot be deleted.")


class EmailVerification(models.Model):
    """When an address was verified: allauth's EmailAddress keeps no time, and an election's
    e-mail deadline counts only addresses verified before it. Written when allauth confirms an
    address (accounts.actions.addresses). Addresses verified before these records were kept
    have none, and count as verified long ago."""

    email_address = models.OneToOneField(
        "account.EmailAddress", on_delete=models.CASCADE, related_name="verification"
    )
    verified_at = models.DateTimeField()
    # Proven by following an election's invitation, sent to this very address because it is
    # on a frozen roll: it counts whatever the e-mail deadline, which exists to stop late
    # additions, not to refuse the electors the invitation was sent to.
    by_invitation = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.email_address_id} verified {self.verified_at:%Y-%m-%d %H:%M}"


# Membership lives in its own module (this one stays readable); importing it here registers
# it with the app and keeps ``from accounts.models import Member`` working.
from accounts.models_membership import Member, MemberAddress  # noqa: E402, F401
