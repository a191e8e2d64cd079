"""``manage.py election``: an operator scripts a whole election, as officials click it."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from elections import actions
from elections.models import ContestKind, Election, Phase
from elections.voting.actions import ballot_cast
from elections.voting.ranking import Ranking

pytestmark = pytest.mark.django_db


def election(*args: str) -> str:
    out = StringIO()
    call_command("election", *args, stdout=out)
    return out.getvalue()


def status(slug: str) -> dict[str, Any]:
    return json.loads(election(slug, "status", "--json"))


@pytest.fixture
def draft(
    make_user: Any, make_team: Any, contribute: Any, make_election: Any, make_contest: Any
) -> dict[str, Any]:
    team = make_team(name="Nova", slug="nova")
    people = {}
    for name in ("ann", "bob", "cy", "dee", "eve"):
        people[name] = make_user(f"{name}@example.org", full_name=name.title())
        contribute(team, f"{name}@example.org")
    election_ = make_election(slug="2027-cli")
    make_contest(election_, kind=ContestKind.TC, seats=1, slug="tc")
    return {"election": election_, "people": people}


def test_an_operator_runs_a_whole_election_from_the_command_line(
    draft: dict[str, Any], official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    slug, people = draft["election"].slug, draft["people"]
    as_official = ("--actor", official.email)
    assert status(slug)["phase"] == "draft"
    election(slug, *as_official, "phase", "nominations", "--reason", "Calendar")
    contest = draft["election"].contests.get()
    for name in ("ann", "bob"):
        actions.candidacy_submit(contest=contest, candidate=people[name], platform="Plans.")
    now = status(slug)
    assert now["next_step"] == "Review 2 submitted candidacies."
    ids = [c["id"] for c in now["contests"][0]["candidacies"]]
    for candidacy_id in ids:
        election(slug, *as_official, "review", str(candidacy_id), "approve")
    election(slug, *as_official, "phase", "polling", "--reason", "Calendar")
    contest.refresh_from_db()
    keys = [choice.key for choice in contest.ballot_choices()]
    for voter in ("cy", "dee", "eve"):
        ranking = Ranking.from_ranks({keys[0]: 1, keys[1]: 2}, keys)
        ballot_cast(contest=contest, voter=people[voter], ranking=ranking)
    assert status(slug)["contests"][0]["turnout"] == {"voted": 3, "electorate": 5}
    with django_capture_on_commit_callbacks(execute=True):
        election(slug, *as_official, "phase", "closed", "--reason", "Calendar")
    now = status(slug)
    assert now["phase"] == "tallied" and now["contests"][0]["state"] == "tallied"
    assert now["contests"][0]["result"]["winners"] == ["Ann"]
    with django_capture_on_commit_callbacks(execute=True):
        assert "Ann" in election(slug, *as_official, "publish")
    assert status(slug)["phase"] == "published"
    text = election(slug, "status")
    assert "Result published" in text or "published" in text.lower()
    moves = AuditEntry.objects.filter(action="election.phase_move", actor=official)
    assert moves.count() == 3


def test_refusals_are_clear_errors_and_change_nothing(draft: dict[str, Any], official: Any) -> None:
    slug = draft["election"].slug
    with pytest.raises(CommandError, match="No election has the slug"):
        election("no-such-election", "status")
    with pytest.raises(CommandError, match="--actor"):
        election(slug, "phase", "nominations", "--reason", "x")
    with pytest.raises(CommandError, match="cannot move from Draft to Polling"):
        election(slug, "--actor", official.email, "phase", "polling", "--reason", "x")
    with pytest.raises(CommandError, match="no candidacy #999"):
        election(slug, "--actor", official.email, "review", "999", "approve")
    with pytest.raises(CommandError, match="No account has the address"):
        election(slug, "--actor", "nobody@example.org", "publish")
    assert Election.objects.get(slug=slug).phase == Phase.DRAFT


def test_someone_who_is_not_an_official_cannot_move_the_phase(
    draft: dict[str, Any],
) -> None:
    slug, ann = draft["election"].slug, draft["people"]["ann"]
    with pytest.raises(CommandError, match="Only the officials"):
        election(slug, "--actor", ann.email, "phase", "nominations", "--reason", "x")
    assert Election.objects.get(slug=slug).phase == Phase.DRAFT


def test_status_says_a_contest_settled_without_a_poll_had_none(official: Any) -> None:
    from elections.results.scenarios import scenario_build

    scenario = scenario_build(
        official=official, slug="2027-acclaim", phase=Phase.POLLING, candidates=("Ann Able",)
    )
    assert scenario.contest.state == "acclaimed"
    assert "Technical Committee: acclaimed (no poll)" in election("2027-acclaim", "status")
