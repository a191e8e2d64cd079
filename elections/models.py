"""Elections, their contests, the candidacies and options that stand in them, and the audit log.

An election has one calendar (draft → nominations → campaigning → polling → closed → tallied →
published) shared by all its contests. A contest is one PTL seat, the TC seats, or a community
vote on options. Every write goes through ``elections.actions``; these classes only describe
rows and answer questions about a single row.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from elections import conf
from elections.lifecycle import CalendarPhase, calendar_errors


class Phase(models.TextChoices):
    DRAFT = "draft", "Draft"
    NOMINATIONS = "nominations", "Nominations"
    CAMPAIGNING = "campaigning", "Campaigning"
    POLLING = "polling", "Polling"
    CLOSED = "closed", "Closed"
    TALLIED = "tallied", "Tallied"
    PUBLISHED = "published", "Published"


class ElectionQuerySet(models.QuerySet["Election"]):
    def public(self) -> ElectionQuerySet:
        """Elections anyone may see: everything but drafts."""
        return self.exclude(phase=Phase.DRAFT)

    def open(self) -> ElectionQuerySet:
        """Elections in which something is happening now (nominations to polling)."""
        return self.filter(phase__in=[Phase.NOMINATIONS, Phase.CAMPAIGNING, Phase.POLLING])


class Election(models.Model):
    """One round of elections sharing a calendar, e.g. "2027.1 PTL and TC elections"."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="Markdown; rendered and sanitised.")
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.DRAFT)
    # The calendar. Campaigning is the gap between the close of nominations and the opening
    # of the polls; when the two coincide the election has no campaigning phase (OpenStack
    # holds one for the TC only, so a PTL-only election has none).
    nominations_opens_at = models.DateTimeField()
    nominations_closes_at = models.DateTimeField()
    polling_opens_at = models.DateTimeField()
    polling_closes_at = models.DateTimeField()
    # The qualifying window for contributions (configuration.yaml `timeframe`): rolls count
    # contributions from window_start (inclusive) to window_end (exclusive), UTC days, as
    # OpenStack's `end: 2026-08-19T00:00` reads.
    window_start = models.DateField()
    window_end = models.DateField()
    email_deadline = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Voters must have verified the address they contribute with by then.",
    )
    auto_advance = models.BooleanField(
        default=True,
        help_text="The scheduler moves this election through its calendar when dates pass.",
    )
    auto_publish_results = models.BooleanField(
        default=False,
        help_text="Publish each contest's result as soon as it is counted, without waiting "
        "for an official (STACKVOTE_RESULTS_AUTO_PUBLISH does this for every election).",
    )
    results_electorate_only = models.BooleanField(
        default=False,
        help_text="Show the published results (pages, files, feeds, API) only to the people on "
        "a roll of this election and its officials (CIVS's restricted results); everyone "
        "else is told they are not for them.",
    )
    publish_trackers = models.BooleanField(
        default=False,
        help_text="Publish each counted ballot with its tracker, so that every voter can find "
        "their own ballot in the published file and see what it says. It also lets a voter "
        "prove their vote to someone else (docs/secrecy.md). Fixed once polling opens.",
    )
    officials = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="administered_elections",
        help_text="Officials who run this election. Empty: every member of the officials' group.",
    )
    two_official_approval = models.BooleanField(
        default=False,
        help_text="A candidacy is approved when a second official confirms another's proposal "
        "(OpenStack's +2, then +Workflow); one official still rejects, with a reason.",
    )
    announcement_address = models.EmailField(
        blank=True,
        help_text="A mailing list the officials announce the election on (OpenStack: "
        "openstack-discuss). Each notice of the calendar goes to it once as well, as a "
        "general announcement with no one's own links; empty: none.",
    )
    reminder_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Imported from OpenStack's configuration.yaml: the release it elects for, the file's
    # ``tag`` and the name of its qualifying window (``timeframe.name``, "Yoga-Zed").
    release = models.CharField(max_length=50, blank=True)
    release_tag = models.CharField(max_length=100, blank=True)
    window_name = models.CharField(max_length=100, blank=True)
    # The calendar as another body's officials ran it (an imported cycle): kept as the file
    # says, so the minimum phase length (STACKVOTE_MIN_PHASE_DAYS), a rule for elections
    # planned here, does not apply (zed's poll lasted two days).
    calendar_of_record = models.BooleanField(default=False, editable=False)
    requires_membership = models.BooleanField(
        default=False,
        help_text="Only Foundation individual members (manage.py import_members) may stand "
        "in its contests (OpenStack charter: candidates and voters are individual members).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ElectionQuerySet.as_manager()

    class Meta:
        ordering = ["-polling_opens_at", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nominations_closes_at__gt=models.F("nominations_opens_at"))
                & models.Q(polling_opens_at__gte=models.F("nominations_closes_at"))
                & models.Q(polling_closes_at__gt=models.F("polling_opens_at")),
                name="election_calendar_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(window_end__gte=models.F("window_start")),
                name="election_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("election_detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        """Calendar rules of the phases still ahead, checked on every save (lifecycle)."""
        errors = calendar_errors(
            minimum_days=0 if self.calendar_of_record else conf.min_phase_days(),
            nominations_opens_at=self.nominations_opens_at,
            nominations_closes_at=self.nominations_closes_at,
            polling_opens_at=self.polling_opens_at,
            polling_closes_at=self.polling_closes_at,
            window_start=self.window_start,
            window_end=self.window_end,
            phase=self.phase,  # only the phases still ahead are held to the minimum
        )
        if errors:
            raise ValidationError(errors)

    @property
    def has_campaigning(self) -> bool:
        return self.polling_opens_at > self.nominations_closes_at

    def calendar(self) -> list[CalendarPhase]:
        """The dated phases in order, for the public calendar."""
        rows = [
            CalendarPhase(
                Phase.NOMINATIONS,
                "Nominations",
                self.nominations_opens_at,
                self.nominations_closes_at,
            ),
        ]
        if self.has_campaigning:
            rows.append(
                CalendarPhase(
                    Phase.CAMPAIGNING,
                    "Campaigning",
                    self.nominations_closes_at,
                    self.polling_opens_at,
                )
            )
        rows.append(
            CalendarPhase(Phase.POLLING, "Polling", self.polling_opens_at, self.polling_closes_at)
        )
        return rows

    def scheduled_phase(self, now: datetime.datetime) -> str:
        """The phase the calendar says the election should be in at ``now``."""
        if now < self.nominations_opens_at:
            return Phase.DRAFT
        if now < self.nominations_closes_at:
            return Phase.NOMINATIONS
        if now < self.polling_opens_at:
            return Phase.CAMPAIGNING
        if now < self.polling_closes_at:
            return Phase.POLLING
        return Phase.CLOSED


class ContestKind(models.TextChoices):
    PTL = "ptl", "Project team lead"
    TC = "tc", "Technical Committee"
    COMMUNITY = "community", "Community vote"


class ContestElectorate(models.TextChoices):
    COMMITS = "commits", "Contributors (commit data)"
    LIST = "list", "The contest's voter list only"
    COMMITS_AND_LIST = "commits_and_list", "Contributors and the contest's voter list"


class CountingMethod(models.TextChoices):
    SCHULZE = "schulze", "Schulze"
    RANKED_PAIRS = "rankedpairs", "Ranked pairs"


class ContestState(models.TextChoices):
    PENDING = "pending", "Awaiting the close of nominations"
    POLLING = "polling", "Goes to a poll"
    ACCLAIMED = "acclaimed", "Elected by acclamation"
    APPOINTMENT_NEEDED = "appointment_needed", "No candidate: appointment needed"
    CLOSED = "closed", "Poll closed"
    TALLIED = "tallied", "Tallied"
    PUBLISHED = "published", "Result published"


@dataclass(frozen=True)
class Choice:
    """One thing a voter can rank: an approved candidacy or a community option."""

    key: str
    label: str
    affiliation: str = ""


# The choices of contests polling now, kept by each process for a few seconds: a ballot
# page and a cast each need them, and reading them again would be a tenth of a cast's work.
# Nothing may change them while polling (options and candidacies are settled when
# nominations close), but a candidate's display name may: that shows within the few
# seconds. Keyed by contest, election and polling start, so a contest polling again under a
# reused id (SQLite) is read afresh; any save of the rows behind a choice empties it here.
POLLING_CHOICES_SECONDS = 10.0
_POLLING_CHOICES: dict[tuple[Any, ...], tuple[float, tuple[Choice, ...]]] = {}


def forget_polling_choices(**kwargs: Any) -> None:
    """Signal receiver: the rows behind choices changed in this process, so read them again."""
    _POLLING_CHOICES.clear()


def tie_seed_sha256(seed: str) -> str:
    """The commitment to a tie seed: SHA-256 of its UTF-8 bytes, hex (``printf %s SEED |
    sha256sum``); empty for no seed."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest() if seed else ""


class Contest(models.Model):
    """One decision inside an election: a PTL seat, the TC seats, or a community vote."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="contests")
    kind = models.CharField(max_length=20, choices=ContestKind.choices)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contests",
        help_text=(
            "PTL contests: the team whose lead is elected. Community votes: the team whose "
            "contributors vote (empty: every contributor). Empty for the TC."
        ),
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True, help_text="Markdown; rendered and sanitised.")
    seats = models.PositiveSmallIntegerField(default=1)
    method = models.CharField(
        max_length=20, choices=CountingMethod.choices, default=CountingMethod.SCHULZE
    )
    # The electorate: frozen when nominations close (actions.contest_settle). Until then
    # candidacy rights are checked against ``nomination_roll``, frozen when nominations open.
    roll = models.ForeignKey(
        "accounts.Roll",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    nomination_roll = models.ForeignKey(
        "accounts.Roll",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    # Who the election season notice went to: a roll frozen when it was queued, before
    # nominations open (the electorate as it stood then; nothing else uses it).
    season_roll = models.ForeignKey(
        "accounts.Roll",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    electorate = models.CharField(
        max_length=20,
        choices=ContestElectorate.choices,
        default=ContestElectorate.COMMITS,
        help_text="Who may vote: contributors (commit data), the contest's own list (uploaded "
        "or a governance member list), or both.",
    )
    max_per_affiliation = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="At most this many winners per affiliation; empty: no limit.",
    )
    # OpenStack TC charter: no more than half of the *whole* TC from one employer. The seats
    # of sitting members not up for election, by affiliation, count against the limit.
    seated_affiliations = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Seats held outside this contest, by affiliation: {affiliation: seats}.",
    )
    # How the sitting members whose seats are not up were told apart (the previous TC
    # election's published results, or an estimate from the seats' age), in plain words.
    seated_basis = models.TextField(blank=True, editable=False)
    # OpenStack charter: ties are broken by a public draw. The seed is committed, then revealed:
    # its SHA-256 is public from the opening of nominations (when the seed stops changing),
    # the seed itself only with the published result, so nobody can pick it to suit a candidate.
    tie_seed = models.CharField(
        max_length=200,
        blank=True,
        help_text="Secret seed for the draw that breaks ties, shown with the published result.",
    )
    tie_seed_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    state = models.CharField(
        max_length=30, choices=ContestState.choices, default=ContestState.PENDING, editable=False
    )
    settled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A poll held elsewhere (an imported cycle): where its result is published, as
    # results/<release>/*.yaml ``elections_results`` gives it (a URL, or "no poll required").
    result_of_record = models.CharField(max_length=500, blank=True, editable=False)
    # The team's directory in candidates/<release>/ of a replayed cycle ("Openstack_Chef"),
    # as the published results name the team, even where no candidacy file is left to say it.
    directory_of_record = models.CharField(max_length=100, blank=True, editable=False)
    # That poll's turnout where the archive gives it (``election_statistics`` of old cycles):
    # the people on its roll and the ballots cast. Polls counted here have their own.
    electorate_of_record = models.PositiveIntegerField(null=True, blank=True, editable=False)
    voters_of_record = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["election", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["election", "slug"], name="contest_slug_per_election"),
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="contest_has_a_seat"),
            models.CheckConstraint(
                condition=~models.Q(kind="ptl") | models.Q(seats=1),
                name="ptl_contest_has_one_seat",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="ptl") | models.Q(team__isnull=False),
                name="ptl_contest_has_team",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="tc") | models.Q(team__isnull=True),
                name="tc_contest_has_no_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.election.name})"

    def get_absolute_url(self) -> str:
        return reverse(
            "contest_detail",
            kwargs={"election_slug": self.election.slug, "contest_slug": self.slug},
        )

    def clean(self) -> None:
        if self.kind == ContestKind.PTL:
            if self.team_id is None:
                raise ValidationError({"team": "A PTL contest elects the lead of one team."})
            if self.seats != 1:
                raise ValidationError({"seats": "A PTL contest has exactly one seat."})
        elif self.kind == ContestKind.TC and self.team_id is not None:
            raise ValidationError({"team": "The TC is elected by every contributor, not a team."})

    @property
    def has_candidates(self) -> bool:
        """True for PTL and TC contests (people stand); false for community votes (options)."""
        return self.kind != ContestKind.COMMUNITY

    def ballot_choices(self) -> list[Choice]:
        """What a voter ranks, in a stable order (by key): approved candidacies or options.

        The list is fixed from the close of nominations, so while the contest polls each
        process keeps it for a few seconds (every ballot page and cast asks for it): see
        ``_POLLING_CHOICES``.
        """
        # Only when the election came with the contest: asking would cost a query otherwise.
        polling = Contest.election.is_cached(self) and self.is_polling()
        if polling:
            key = (self.pk, self.election_id, self.election.polling_opens_at)
            kept = _POLLING_CHOICES.get(key)
            if kept is not None and time.monotonic() - kept[0] < POLLING_CHOICES_SECONDS:
                return list(kept[1])
        if self.has_candidates:
            choices = [
                Choice(
                    key=candidacy.choice_key,
                    label=candidacy.candidate.display_name,
                    affiliation=candidacy.affiliation,
                )
                for candidacy in self.candidacies.filter(state=CandidacyState.APPROVED)
                .select_related("candidate")
                .order_by()
            ]
        else:
            choices = [
                Choice(key=option.choice_key, label=option.name)
                for option in self.options.order_by()
            ]
        choices.sort(key=lambda choice: choice.key)
        if polling:
            if len(_POLLING_CHOICES) >= 1000:  # contests of long-gone polls
                _POLLING_CHOICES.clear()
            _POLLING_CHOICES[key] = (time.monotonic(), tuple(choices))
        return choices

    def is_polling(self) -> bool:
        """The election is in its polling phase and this contest goes to a poll."""
        return self.election.phase == Phase.POLLING and self.state == ContestState.POLLING

    @property
    def polling_opens_at(self) -> datetime.datetime:
        return self.election.polling_opens_at

    @property
    def polling_closes_at(self) -> datetime.datetime:
        return self.election.polling_closes_at


# Models kept in their own modules (models.py stays readable); importing them here registers
# them with the app and keeps ``from elections.models import Option`` working.
from elections.models_candidacies import (  # noqa: E402, F401
    Candidacy,
    CandidacyState,
)
from elections.models_contests import (  # noqa: E402, F401
    Appointment,
    ContestVoter,
    CycleOfRecord,
    ExceptionRequest,
    ExceptionRequestState,
    Option,
)
from elections.models_invitations import (  # noqa: E402, F401
    Announcement,
    AnnouncementState,
    ElectionOptOut,
    Invitation,
    InvitationKind,
    InvitationState,
    NoticeAudience,
    NoticeRun,
    NoticeRunState,
    NoticeTemplate,
)
from elections.models_notifications import (  # noqa: E402, F401
    Notification,
    NotificationKind,
    NotificationState,
)
