"""What is not public yet stays hidden from everyone but the officials: a draft election
(not scheduled to open) and a result that was counted but not published. Every page that
takes an election, a contest or a result in its URL is tried, and the public listings,
feeds and API are searched for them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from elections import actions
from elections.models import ContestKind
from tests.builders import World, build_counted_contest
from tests.elections.conftest import calendar_from
from tests.security.conftest import ROLES
from tests.security.test_authorization import LOGIN, _client, _verdict

pytestmark = pytest.mark.django_db

SECRET = "Zanzibar"  # in the names of the draft election and its contest


@pytest.fixture
def hidden(world: World, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    draft = actions.election_create(
        actor=world.official,
        name=f"{SECRET} election",
        slug="draft-2028",
        auto_advance=False,
        **calendar_from(timezone.now() + datetime.timedelta(days=30)),
    )
    contest = actions.contest_create(
        election=draft,
        actor=world.official,
        kind=ContestKind.TC,
        name=f"{SECRET} TC",
        slug="tc",
    )
    draft_result = build_counted_contest(
        official=world.official,
        team=world.team,
        candidates=[world.candidate, world.rival],
        voter=world.elector,
        capture_on_commit=django_capture_on_commit_callbacks,
        slug="counted-2026",
    )
    return {"draft": draft, "contest": contest, "result": draft_result}


def _draft_urls(hidden: dict[str, Any]) -> list[str]:
    slug, contest = hidden["draft"].slug, hidden["contest"]
    both = [slug, contest.slug]
    return [
        reverse("election_detail", args=[slug]),
        reverse("contest_detail", args=both),
        reverse("candidacy_submit", args=both),
        reverse("results_election", args=[slug]),
        reverse("results_election_feed_rss", args=[slug]),
        reverse("results_election_feed_atom", args=[slug]),
        reverse("results_contest", args=both),
        reverse("results_file", args=[*both, "ballots_csv"]),
        reverse("api_election", args=[slug]),
        reverse("api_election_turnout", args=[slug]),
        reverse("api_contest", args=both),
    ]


def test_a_draft_election_is_not_found_by_anyone_but_officials(
    world: World, hidden: dict[str, Any]
) -> None:
    wrong = []
    for role in ROLES:
        client = _client(world, role)
        for url in _draft_urls(hidden):
            response = client.get(url)
            if role == "official":
                if response.status_code >= 500:
                    wrong.append(f"{url} as official: {response.status_code}")
                continue
            expected = LOGIN if role == "anonymous" and "/stand/" in url else 404
            if _verdict(response, expected):
                wrong.append(f"{url} as {role}: {response.status_code}, expected {expected}")
            elif SECRET.encode() in response.content:
                wrong.append(f"{url} as {role} names the draft")
        contest_id = hidden["contest"].pk
        for url in (
            reverse("ballot", args=[contest_id]),
            reverse("receipt_check", args=[contest_id]),
            reverse("receipt_hashes", args=[contest_id]),
        ):
            response = client.get(url)
            if role != "official" and SECRET.encode() in response.content:
                wrong.append(f"{url} as {role} names the draft ({response.status_code})")
    official = _client(world, "official")
    assert official.get(_draft_urls(hidden)[1]).status_code == 200
    assert not wrong, "\n".join(wrong)


def test_a_counted_result_is_hidden_until_published(world: World, hidden: dict[str, Any]) -> None:
    result = hidden["result"]
    contest = result.contest
    both = [contest.election.slug, contest.slug]
    for role in ROLES:
        client = _client(world, role)
        page = client.get(reverse("results_contest", args=both))
        files = client.get(reverse("results_file", args=[*both, "ballots_csv"]))
        api = client.get(reverse("api_contest", args=both)).json()
        if role == "official":
            assert page.status_code == files.status_code == 200
        else:
            assert page.status_code == files.status_code == 404, role
        assert api["result"] is None, role
        for url in (reverse("api_results"), reverse("results_feed_rss")):
            assert b"counted-2026" not in client.get(url).content, (role, url)
        # The team's history lists the cycle, and not who the draft count elected.
        history = client.get(reverse("results_team_history", args=[world.team.slug]))
        row = history.content.decode().split("counted-2026", 1)[1].split("</tr>", 1)[0]
        assert "Poll not published yet" in row and "Elected" not in row, role
    listing = _client(world, "anonymous").get(reverse("election_list")).content
    assert SECRET.encode() not in listing


def test_receipts_of_a_poll_still_open_are_not_published(world: World) -> None:
    """The list of counted receipts exists only once polling has closed and the box is
    sealed; before that, a receipt cannot be looked up either."""
    contest_id = world.polling_contest.pk
    for role in ROLES:
        client = _client(world, role)
        assert client.get(reverse("receipt_hashes", args=[contest_id])).status_code == 404, role
        check = client.post(
            reverse("receipt_check", args=[contest_id]), {"receipt": "AAAAA-BBBBB-CCCCC-DDDDD"}
        )
        assert check.status_code == 409, role
