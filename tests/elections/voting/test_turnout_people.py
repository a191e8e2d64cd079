"""An election's turnout counts people, and the API and the results page show one figure."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from elections import actions
from elections.models import ContestKind, ContestState, Phase

pytestmark = pytest.mark.django_db


def _vote(contest: Any, voter: Any) -> None:
    from elections.voting.actions import ballot_cast
    from elections.voting.ranking import Ranking

    contest.refresh_from_db()
    keys = [choice.key for choice in contest.ballot_choices()]
    ballot_cast(contest=contest, voter=voter, ranking=Ranking.from_ranks({keys[0]: 1}, keys))


def test_a_person_on_two_rolls_who_votes_twice_counts_once_everywhere(
    make_team: Any,
    contribute: Any,
    make_user: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    official: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    nova, swift = make_team("Nova", "nova"), make_team("Swift", "swift")
    people = {}
    for name, team in (("alice", nova), ("bob", nova), ("carol", nova), ("dave", swift)):
        contribute(team, f"{name}@example.org")
        people[name] = make_user(f"{name}@example.org")
    contribute(swift, "erin@example.org")
    people["erin"] = make_user("erin@example.org")
    election = make_election()
    ptl = make_contest(election, team=nova)
    tc = make_contest(election, kind=ContestKind.TC, seats=2)
    acclaimed = make_contest(election, team=swift)
    election = open_nominations(election)
    with django_capture_on_commit_callbacks(execute=True):
        for contest, names in ((ptl, ("alice", "bob")), (tc, ("alice", "bob", "dave"))):
            for name in names:
                candidacy = actions.candidacy_submit(
                    contest=contest, candidate=people[name], platform="p"
                )
                actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
        candidacy = actions.candidacy_submit(
            contest=acclaimed, candidate=people["dave"], platform="p"
        )
        actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
        actions.election_phase_move(
            election=election, to_phase=Phase.POLLING, actor=official, reason="open"
        )
    acclaimed.refresh_from_db()
    assert acclaimed.state == ContestState.ACCLAIMED
    _vote(ptl, people["alice"])
    _vote(tc, people["alice"])
    _vote(ptl, people["bob"])
    _vote(tc, people["erin"])
    # Polled: Nova (alice, bob, carol) and the TC (all five); Swift was acclaimed.
    turnout = Client().get(reverse("api_election_turnout", args=[election.slug])).json()
    assert (turnout["electorate"], turnout["voters"], turnout["ballots"]) == (5, 3, 4)
    assert turnout["percent"] == 60.0
    page = Client().get(reverse("results_election", args=[election.slug])).content.decode()
    footer = re.search(r"<tfoot>.*?</tfoot>", page, re.S)
    assert footer
    assert re.findall(r"<td>([^<]*)</td>", footer.group(0)) == ["5", "3", "60.0%"]
    panel = Client()
    panel.force_login(official)
    glance = panel.get(reverse("admin:results_electionataglance_changelist")).content.decode()
    assert "60.0%" in glance
    # The officials' dashboard: the same figure for the election, and for each contest the
    # API's (people who voted in it, of the people on its roll).
    dashboard = panel.get(reverse("officials_dashboard", args=[election.slug])).content.decode()
    row = re.search(
        r'<tr id="election-turnout">.*?<td class="turnout">([^<]*)</td>', dashboard, re.S
    )
    assert row and row.group(1) == (
        f"{turnout['voters']} of {turnout['electorate']} ({turnout['percent']}%)"
    )
    cells = re.findall(r'<td class="turnout">([^<]*)</td>', dashboard)
    for contest in turnout["contests"]:
        if contest["electorate"] is not None:
            figure = f"{contest['ballots']} of {contest['electorate']} ({contest['percent']}%)"
            assert figure in cells, (figure, cells)
    assert "2 of 3 (66.7%)" in cells and "2 of 5 (40.0%)" in cells
