"""A whole site's worth of election data for tests that look at every page at once.

Built only through the apps' actions (and the fixtures of tests/elections/conftest.py that
record contributions), so the pages see what they would see in a real election:

* an election in **nominations** where the candidate has a candidacy of their own to edit;
* an election in **polling** with a PTL contest (two approved candidates) and a community
  vote (options), on whose rolls the elector and the candidates are;
* an election whose PTL contest was **closed, tallied and published**, with one ballot
  (``build_counted_contest`` makes more such contests, their results left as drafts).

``label`` is put in front of every name, description, platform and option a person could
type (the security tests pass an XSS payload there).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from elections import actions
from elections.models import Candidacy, Contest, ContestKind, Election, Phase
from elections.results.scenarios import (
    scenario_cast,
    scenario_election,
    scenario_move,
    scenario_stand,
)

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class World:
    official: Any
    elector: Any
    non_elector: Any
    candidate: Any
    rival: Any
    team: Any
    nominations_election: Election
    own_candidacy: Candidacy
    polling_election: Election
    polling_contest: Contest
    community_contest: Contest
    published_election: Election
    published_contest: Contest
    result: Any

    def user(self, role: str) -> Any:
        """The user playing ``role`` (None for anonymous)."""
        return None if role == "anonymous" else getattr(self, role)


def _election(official: Any, *, slug: str, label: str) -> Election:
    return scenario_election(
        official=official,
        name=f"{label}Election {slug}",
        slug=slug,
        description=f"{label}\n\nAbout this election.",
    )


def _ptl_contest(official: Any, election: Election, team: Any, label: str) -> Contest:
    return actions.contest_create(
        election=election,
        actor=official,
        kind=ContestKind.PTL,
        name=f"{label}{team.slug} PTL",
        slug="ptl",
        team=team,
        description=f"{label}\n\nLead the team.",
    )


def _move(official: Any, election: Election, phase: str) -> Election:
    return scenario_move(election, phase, actor=official, reason="test: move")


def _stand(official: Any, contest: Contest, people: list[Any], label: str) -> list[Candidacy]:
    return [
        scenario_stand(
            contest,
            person,
            reviewer=official,
            platform=f"{label}\n\n# My platform\n\n[read more](javascript:alert(1)) {label}",
            affiliation=f"{label}ACME",
        )
        for person in people
    ]


def build_counted_contest(
    *,
    official: Any,
    team: Any,
    candidates: list[Any],
    voter: Any,
    capture_on_commit: Callable[..., AbstractContextManager[Any]],
    slug: str,
    label: str = "",
) -> Any:
    """A PTL contest walked through nominations and polling (``voter`` casts one ballot),
    closed and tallied: returns its Result, a draft until someone publishes it."""
    from elections.results.models import Result

    election = _election(official, slug=slug, label=label)
    contest = _ptl_contest(official, election, team, label)
    _move(official, election, Phase.NOMINATIONS)
    _stand(official, contest, candidates, label)
    _move(official, election, Phase.POLLING)
    contest.refresh_from_db()
    scenario_cast(contest, voter, [choice.label for choice in contest.ballot_choices()])
    with capture_on_commit(execute=True):
        _move(official, election, Phase.CLOSED)  # the close queues the seal and the count
    return Result.objects.select_related("contest__election").get(contest=contest)


def build_world(
    *,
    official: Any,
    make_user: Callable[..., Any],
    make_team: Callable[..., Any],
    contribute: Callable[..., None],
    capture_on_commit: Callable[..., AbstractContextManager[Any]],
    label: str = "",
) -> World:
    """Build the three elections; ``capture_on_commit`` is pytest-django's
    ``django_capture_on_commit_callbacks`` (the tally is queued on commit)."""
    from elections.results import actions as result_actions

    team = make_team(name=f"{label}Nova", slug="nova")
    people = {
        role: make_user(
            f"{role.replace('_', '-')}@example.org",
            password=PASSWORD,
            full_name=f"{label}{role.replace('_', ' ').title()}",
        )
        for role in ("elector", "non_elector", "candidate", "rival")
    }
    for role in ("elector", "candidate", "rival"):
        contribute(team, people[role].email)

    nominations = _election(official, slug="nominations-2027", label=label)
    nominations_contest = _ptl_contest(official, nominations, team, label)
    _move(official, nominations, Phase.NOMINATIONS)
    own = actions.candidacy_submit(
        contest=nominations_contest,
        candidate=people["candidate"],
        platform=f"{label}\n\nStill writing this.",
        affiliation=f"{label}ACME",
    )

    polling = _election(official, slug="polling-2027", label=label)
    polling_contest = _ptl_contest(official, polling, team, label)
    community = actions.contest_create(
        election=polling,
        actor=official,
        kind=ContestKind.COMMUNITY,
        name=f"{label}Release name",
        slug="release-name",
        description=f"{label}\n\nPick a name.",
    )
    for name in ("Antelope", "Bobcat", "Caracal"):
        actions.option_create(
            contest=community,
            actor=official,
            name=f"{label}{name}",
            description=f"{label} the {name}",
        )
    _move(official, polling, Phase.NOMINATIONS)
    _stand(official, polling_contest, [people["candidate"], people["rival"]], label)
    _move(official, polling, Phase.POLLING)

    result = build_counted_contest(
        official=official,
        team=team,
        candidates=[people["candidate"], people["rival"]],
        voter=people["elector"],
        capture_on_commit=capture_on_commit,
        slug="published-2026",
        label=label,
    )
    with capture_on_commit(execute=True):
        result = result_actions.result_publish(result=result, actor=official)
    published_contest = result.contest
    published = published_contest.election

    def fresh(contest: Contest) -> Contest:
        return Contest.objects.select_related("election", "team").get(pk=contest.pk)

    return World(
        official=official,
        elector=people["elector"],
        non_elector=people["non_elector"],
        candidate=people["candidate"],
        rival=people["rival"],
        team=team,
        nominations_election=Election.objects.get(pk=nominations.pk),
        own_candidacy=own,
        polling_election=Election.objects.get(pk=polling.pk),
        polling_contest=fresh(polling_contest),
        community_contest=fresh(community),
        published_election=Election.objects.get(pk=published.pk),
        published_contest=fresh(published_contest),
        result=result,
    )
