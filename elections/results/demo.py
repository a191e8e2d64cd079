"""Demo: a past election whose results are published, so the results pages, the feeds and the
API have something to show on a fresh start.

Built through the real actions: contributors on a team, candidacies reviewed by the demo
official, rolls frozen at the close of nominations, ballots cast and receipted, the ballot
box sealed, the count, publication. Loaded by ``python manage.py demo``; running it again
changes nothing (the election is found by its slug).
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import (
    User,
)
from elections import actions as election_actions
from elections.models import Contest, ContestKind, Election, Phase
from elections.results.scenarios import (
    scenario_cast,
    scenario_count,
    scenario_election,
    scenario_move,
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
VOTERS = tuple(f"contributor{number:02d}@example.org" for number in range(1, 25))
# A fixed seed: the demo's ballots are the same on every machine.
BALLOT_SEED = 20261


def load_results() -> Election | None:
    """Create and publish the demo's past election; None when it is already there.

    The e-mails the real actions send on the way (candidacy decisions, "polling is open")
    go to a dummy backend: the demo's contributors are not real people and the console stays
    readable.
    """
    if Election.objects.filter(slug=DEMO_SLUG).exists():
        return None
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        with transaction.atomic():
            return _load()


def _load() -> Election:
    """Walk the past election through every stage in order, as officials and voters would
    (the shared scenario steps, ``elections.results.scenarios``).

    Long because it is one story told step by step (calendar, candidacies, reviews, ballots,
    the close, the seal, the count, publication); split up, the order would be harder to read.
    """
    official = User.objects.get(email="official@example.org")
    now = timezone.now()
    people = sorted(set(PTL_CANDIDATES + TC_CANDIDATES + (ACCLAIMED_CANDIDATE,)))
    team = scenario_team(
        name="Documentation (demo)", slug=TEAM_SLUG, repository="demo/documentation"
    )
    users = {
        email: scenario_person(
            email,
            team=team,
            full_name=email.split("@", 1)[0].title(),
            when=now - datetime.timedelta(days=60),
        )
        for email in (*people, *VOTERS)
    }
    # The calendar starts tomorrow; each phase is entered early by hand, and the phase
    # machine moves the calendar's boundaries to the moment it happened.
    election = scenario_election(
        official=official,
        slug=DEMO_SLUG,
        name="2026.1 elections (demo, results published)",
        description="A past election kept for the demo: its results are published.",
        window=((now - datetime.timedelta(days=365)).date(), now.date()),
    )
    contests = {
        "ptl": election_actions.contest_create(
            election=election,
            actor=official,
            kind=ContestKind.PTL,
            team=team,
            name="Documentation PTL",
            slug="documentation-ptl",
            tie_seed="2026.1 docs PTL",
        ),
        "tc": election_actions.contest_create(
            election=election,
            actor=official,
            kind=ContestKind.TC,
            name="Technical Committee",
            slug="tc",
            seats=2,
            tie_seed="2026.1 TC",
        ),
        "acclaimed": election_actions.contest_create(
            election=election,
            actor=official,
            kind=ContestKind.PTL,
            team=team,
            name="Translations PTL",
            slug="translations-ptl",
        ),
        "appointment": election_actions.contest_create(
            election=election,
            actor=official,
            kind=ContestKind.PTL,
            team=team,
            name="Release Management PTL",
            slug="release-management-ptl",
        ),
    }
    reason = "Demo: the calendar of a past election."
    scenario_move(election, Phase.NOMINATIONS, actor=official, reason=reason)
    stands = [("ptl", email) for email in PTL_CANDIDATES]
    stands += [("tc", email) for email in TC_CANDIDATES]
    stands += [("acclaimed", ACCLAIMED_CANDIDATE)]
    for key, email in stands:
        platform = f"{users[email].display_name} for {contests[key].name}: docs first."
        scenario_stand(contests[key], users[email], reviewer=official, platform=platform)
    scenario_move(election, Phase.POLLING, actor=official, reason=reason)
    draw = random.Random(BALLOT_SEED)  # noqa: S311 - reproducible demo data, not security
    for key in ("ptl", "tc"):
        contest = Contest.objects.get(pk=contests[key].pk)
        labels = [choice.label for choice in contest.ballot_choices()]
        for email in VOTERS[: 20 if key == "ptl" else 22]:
            # Voters mostly agree on a favourite, with some spread and a few short ballots.
            order = sorted(labels, key=lambda label: labels.index(label) + draw.random() * 2.5)
            order = order[: draw.choice([len(order), len(order), len(order) - 1])]
            scenario_cast(contest, users[email], order)
    scenario_move(election, Phase.CLOSED, actor=official, reason=reason)
    for key in ("ptl", "tc"):
        contest = Contest.objects.get(pk=contests[key].pk)
        scenario_count(contest, actor=official)
        scenario_publish(contest, actor=official)
    return Election.objects.get(pk=election.pk)
