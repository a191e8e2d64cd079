"""Demo: a past election whose results are published, so the results pages, the feeds and the
API have something to show on a fresh start.

Built through the real actions, at the dates it happened: the scheduler opens nominations
about seven months ago, contributors stand over the following days and the demo official
reviews them, the scheduler closes nominations (settling the contests and freezing the rolls)
and opens the polls three weeks later, everyone is mailed and votes over the following days,
the scheduler closes the polls, the box is sealed and counted, the results are published and
the Technical Committee's appointment to the contest nobody stood in is recorded. Loaded by
``python manage.py demo``; running it again changes nothing (the election is found by its
slug).
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import (
    User,
)
from elections import actions as election_actions
from elections.models import Contest, ContestKind, Election, Notification, NotificationState
from elections.results.scenarios import (
    scenario_cast,
    scenario_count,
    scenario_election,
    scenario_person,
    scenario_publish,
    scenario_stand,
    scenario_team,
)

DEMO_SLUG = "2026-1-demo"
TEAM_SLUG = "demo-documentation"
# Candidates are demo people (accounts/demo.py); voters are extra demo contributors.
PTL_CANDIDATES = ("alice@example.org", "bob@example.org", "carol@example.org")
TC_CANDIDATES = ("dave@example.org", "erin@example.org", "alice@example.org", "bob@example.org")
ACCLAIMED_CANDIDATE = "carol@example.org"
VOTER_NAMES = (
    "Amira Haddad",
    "Björn Lindqvist",
    "Chen Wei",
    "Daniela Rossi",
    "Emeka Okafor",
    "Fatima Benali",
    "Gustavo Pereira",
    "Hiroshi Tanaka",
    "Inès Moreau",
    "Jakub Nowak",
    "Kavya Raman",
    "Liam Byrne",
    "Mei Lin",
    "Nikolai Petrov",
    "Olusegun Adeyemi",
    "Priya Natarajan",
    "Quentin Dubois",
    "Rafael Souza",
    "Sofia Andersson",
    "Tomasz Wiśniewski",
    "Uma Krishnan",
    "Valentina Greco",
    "Wen Zhao",
    "Yusuf Demir",
)
VOTERS = {
    unicodedata.normalize("NFKD", f"{name.split()[0]}.{name.split()[-1]}@example.org")
    .encode("ascii", "ignore")
    .decode()
    .lower(): name
    for name in VOTER_NAMES
}
# Nobody stood for Release Management PTL; the TC appointed one of its contributors.
APPOINTEE = "priya.natarajan@example.org"
APPOINTMENT_REFERENCE = "https://review.example.org/c/governance/+/94127"
PLATFORMS = {
    ("ptl", "alice@example.org"): "## Documentation that keeps up\n\nI have written and "
    "reviewed our install guides for three cycles. As PTL I will:\n\n- review docs changes "
    "within two working days\n- pair every new contributor with a mentor\n- retire pages "
    "nobody has touched since the last two releases",
    ("ptl", "bob@example.org"): "## Priorities\n\n1. Reviews: the docs queue is our "
    "backlog, and it is long.\n2. A style guide the translators helped write.\n3. Release "
    "notes written with the code, not after it.",
    ("ptl", "carol@example.org"): "I maintain the API reference tooling. I would keep the "
    "build green, move the reference to generated schemas and hold office hours every week.",
    ("tc", "dave@example.org"): "Documentation is how people meet a project. On the TC I will "
    "push for every team to own its docs, and for goals that come with docs from day one.",
    ("tc", "erin@example.org"): "I joined two cycles ago and remember how hard the first "
    "change was. I will work on the contributor guide and on mentoring across teams.",
    ("tc", "alice@example.org"): "Less process, more review capacity: I will propose "
    "sharing core reviewers between small teams and measuring review latency in public.",
    ("tc", "bob@example.org"): "Stable branches are our users' lifeline. I will keep "
    "extended maintenance honest: clear end dates, and a team that owns each branch.",
    ("acclaimed", "carol@example.org"): "I coordinated the last two translation sprints and "
    "will keep the Zanata to Weblate migration on track.",
}
# A fixed seed: the demo's ballots are the same on every machine.
BALLOT_SEED = 20261


def load_results() -> Election | None:
    """Create and publish the demo's past election; None when it is already there.

    The e-mails the real actions send on the way (candidacy decisions, "polling is open") are
    sent when the story reaches them, to a dummy backend: the demo's contributors are not real
    people and the console stays readable.
    """
    if Election.objects.filter(slug=DEMO_SLUG).exists():
        return None
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        with transaction.atomic():
            return _load()


class PastClock:
    """The time of the past election's story, from its first day to its publication.

    The actions read the time from ``django.utils.timezone.now``; ``past_clock`` replaces it
    while the story is told, so the calendar, the audit entries, the ballots, the mail and the
    results carry the dates they would have had. Each reading moves on a second, so entries
    written one after another keep their order.
    """

    def __init__(self, start: datetime.datetime) -> None:
        self.at = start

    def now(self) -> datetime.datetime:
        self.at += datetime.timedelta(seconds=1)
        return self.at

    def move_to(self, when: datetime.datetime) -> datetime.datetime:
        self.at = max(self.at, when)
        return self.at


@contextmanager
def past_clock(start: datetime.datetime) -> Iterator[PastClock]:
    clock = PastClock(start)
    with mock.patch.object(timezone, "now", clock.now):
        yield clock


def _deliver_mail(election: Election) -> None:
    """Send the election's queued mail now, as a worker would have when it was queued.

    Without this the mail would go after the demo's transaction commits, when the polls it
    announces have long closed, and be marked failed (``notifications_send`` never tells
    people to vote in a closed poll): the 58 failed mails the demo used to leave behind.
    """
    pending = Notification.objects.filter(
        contest__election=election, state=NotificationState.PENDING
    ).order_by("pk")
    ids = list(pending.values_list("pk", flat=True))
    if ids:
        election_actions.notifications_send(notification_ids=ids)


def _load() -> Election:
    """Tell the past election at its dates (``past_clock``): calendar, candidacies, reviews,
    ballots, the close, the seal, the count, publication and the appointment.

    Long because it is one story told step by step; split up, the order would be harder to
    read.
    """
    official = User.objects.get(email="official@example.org")
    today = timezone.now()
    opens = (today - datetime.timedelta(days=210)).replace(hour=15, minute=0, second=0)
    opens = opens.replace(microsecond=0)
    window = (
        (opens - datetime.timedelta(days=365)).date(),
        (opens - datetime.timedelta(days=7)).date(),
    )
    with past_clock(opens - datetime.timedelta(days=30)) as clock:
        team = scenario_team(
            name="Documentation (demo)", slug=TEAM_SLUG, repository="demo/documentation"
        )
        people = sorted(set(PTL_CANDIDATES + TC_CANDIDATES + (ACCLAIMED_CANDIDATE,)))
        contributed = opens - datetime.timedelta(days=90)
        users = {
            email: scenario_person(
                email,
                team=team,
                full_name=VOTERS.get(email, email.split("@", 1)[0].title()),
                when=contributed,
            )
            for email in (*people, *VOTERS)
        }
        # OpenStack's shape: two weeks of nominations, a week of campaigning, two weeks of
        # polling; the scheduler moves the election on each date.
        election = scenario_election(
            official=official,
            slug=DEMO_SLUG,
            name="2026.1 PTL and TC elections (demo, results published)",
            description="A past election kept for the demo: nominations, campaigning and "
            "polling ran on the dates shown, and its results are published.",
            opens=opens,
            window=window,
            campaigning_days=7,
            polling_closes_at=opens + datetime.timedelta(days=35),
        )
        contests = _contests(election, official, team)
        election_actions.elections_advance(now=clock.move_to(opens))
        stands = [("ptl", email) for email in PTL_CANDIDATES]
        stands += [("tc", email) for email in TC_CANDIDATES]
        stands += [("acclaimed", ACCLAIMED_CANDIDATE)]
        for day, (key, email) in enumerate(stands, start=1):
            clock.move_to(opens + datetime.timedelta(days=day, hours=day % 5))
            scenario_stand(
                contests[key],
                users[email],
                reviewer=official,
                platform=PLATFORMS[(key, email)],
                affiliation={"alice@example.org": "ACME Cloud"}.get(email, ""),
            )
            _deliver_mail(election)
        election_actions.elections_advance(now=clock.move_to(election.nominations_closes_at))
        election.refresh_from_db()
        election_actions.elections_advance(now=clock.move_to(election.polling_opens_at))
        _deliver_mail(election)  # "polling is open", while it is
        draw = random.Random(BALLOT_SEED)  # noqa: S311 - reproducible demo data, not security
        for key in ("ptl", "tc"):
            contest = Contest.objects.get(pk=contests[key].pk)
            labels = [choice.label for choice in contest.ballot_choices()]
            for number, email in enumerate(list(VOTERS)[: 20 if key == "ptl" else 22]):
                clock.move_to(election.polling_opens_at + datetime.timedelta(hours=7 * number))
                # Voters mostly agree on a favourite, with some spread and a few short ballots.
                order = sorted(labels, key=lambda label: labels.index(label) + draw.random() * 2.5)
                order = order[: draw.choice([len(order), len(order), len(order) - 1])]
                scenario_cast(contest, users[email], order)
        election_actions.elections_advance(now=clock.move_to(election.polling_closes_at))
        for key in ("ptl", "tc"):
            contest = Contest.objects.get(pk=contests[key].pk)
            scenario_count(contest, actor=None)
            clock.move_to(election.polling_closes_at + datetime.timedelta(days=1))
            scenario_publish(contest, actor=official)
        appointed_on = election.polling_closes_at + datetime.timedelta(days=9)
        clock.move_to(appointed_on + datetime.timedelta(days=1))
        election_actions.contest_record_appointment(
            contest=contests["appointment"],
            actor=official,
            appointee=users[APPOINTEE],
            appointed_by="the Technical Committee",
            appointed_on=appointed_on.date(),
            reference=APPOINTMENT_REFERENCE,
        )
    return Election.objects.get(pk=election.pk)


def _contests(election: Election, official: User, team: object) -> dict[str, Contest]:
    def create(**fields: object) -> Contest:
        return election_actions.contest_create(election=election, actor=official, **fields)

    return {
        "ptl": create(
            kind=ContestKind.PTL,
            team=team,
            name="Documentation PTL",
            slug="documentation-ptl",
            tie_seed="2026.1 docs PTL",
        ),
        "tc": create(
            kind=ContestKind.TC,
            name="Technical Committee",
            slug="tc",
            seats=2,
            tie_seed="2026.1 TC",
        ),
        "acclaimed": create(
            kind=ContestKind.PTL, team=team, name="Translations PTL", slug="translations-ptl"
        ),
        "appointment": create(
            kind=ContestKind.PTL,
            team=team,
            name="Release Management PTL",
            slug="release-management-ptl",
        ),
    }
