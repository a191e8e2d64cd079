"""A draft election is the officials' business on every surface, even one scheduled to open
its nominations by itself (which the HTML pages used to show as "upcoming" while the API hid
it): anonymous visitors and voters get 404 on its pages and find it in no list; officials see
it everywhere. Every surface reads elections through ``elections.selectors.elections_visible_to``.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from elections import actions
from elections.models import ContestKind, Election, Phase
from tests.builders import World
from tests.elections.conftest import calendar_from
from tests.security.conftest import ROLES
from tests.security.test_authorization import LOGIN, _client

pytestmark = pytest.mark.django_db

SECRET = "Timbuktu"  # in the names of the scheduled draft and of its contest
NOT_OFFICIALS = [role for role in ROLES if role != "official"]


@pytest.fixture
def scheduled(world: World) -> Election:
    """A draft whose nominations open by themselves in ten days."""
    draft = actions.election_create(
        actor=world.official,
        name=f"{SECRET} election",
        slug="scheduled-2028",
        auto_advance=True,
        **calendar_from(timezone.now() + datetime.timedelta(days=10)),
    )
    actions.contest_create(
        election=draft, actor=world.official, kind=ContestKind.TC, name=f"{SECRET} TC", slug="tc"
    )
    assert draft.phase == Phase.DRAFT and draft.auto_advance
    return draft


def _pages(draft: Election) -> list[str]:
    """Every URL that names the draft or its contest."""
    both = [draft.slug, "tc"]
    contest_id = draft.contests.get().pk
    return [
        reverse("election_detail", args=[draft.slug]),
        reverse("contest_detail", args=both),
        reverse("candidacy_submit", args=both),
        reverse("results_election", args=[draft.slug]),
        reverse("results_election_feed_rss", args=[draft.slug]),
        reverse("results_election_feed_atom", args=[draft.slug]),
        reverse("results_contest", args=both),
        reverse("api_election", args=[draft.slug]),
        reverse("api_election_turnout", args=[draft.slug]),
        reverse("api_contest", args=both),
        reverse("api_results") + f"?election={draft.slug}",
        reverse("ballot", args=[contest_id]),
        reverse("receipt_check", args=[contest_id]),
        reverse("receipt_hashes", args=[contest_id]),
    ]


LISTS = [
    reverse("home"),
    reverse("election_list"),
    reverse("results_index"),
    reverse("results_feed_rss"),
    reverse("results_feed_atom"),
    reverse("api_elections"),
    reverse("api_results"),
    reverse("turnout"),
]


@pytest.mark.parametrize("role", NOT_OFFICIALS)
def test_a_scheduled_draft_is_not_found_by_anyone_but_officials(
    world: World, scheduled: Election, role: str
) -> None:
    client = _client(world, role)
    wrong = []
    for url in _pages(scheduled):
        response = client.get(url)
        if role == "anonymous" and ("/stand/" in url or "/vote/" in url) and "/receipt" not in url:
            expected: int | str = LOGIN
        else:
            expected = 404
        if isinstance(expected, int) and response.status_code != expected:
            wrong.append(f"{url}: {response.status_code}, expected 404")
        elif isinstance(expected, str) and not response.get("Location", "").startswith(LOGIN):
            wrong.append(f"{url}: {response.status_code}, expected a sign-in redirect")
        if SECRET.encode() in response.content:
            wrong.append(f"{url} names the draft")
    lists = LISTS + ([reverse("eligibility"), reverse("vote_index")] if role != "anonymous" else [])
    for url in lists:
        response = client.get(url)
        assert response.status_code == 200, url
        if SECRET.encode() in response.content or scheduled.slug.encode() in response.content:
            wrong.append(f"{url} lists the draft")
    assert not wrong, "\n".join(wrong)


def test_an_official_sees_the_scheduled_draft_on_its_pages_and_in_the_lists(
    world: World, scheduled: Election
) -> None:
    client = _client(world, "official")
    both = [scheduled.slug, "tc"]
    for url in (
        reverse("election_detail", args=[scheduled.slug]),
        reverse("contest_detail", args=both),
        reverse("api_election", args=[scheduled.slug]),
        reverse("api_contest", args=both),
        reverse("election_list"),
        reverse("api_elections"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET.encode() in response.content, url
    # Still nothing to count or vote on in a draft: no result page, no ballot.
    assert client.get(reverse("results_contest", args=both)).status_code == 404
    assert client.get(reverse("ballot", args=[scheduled.contests.get().pk])).status_code == 403


def test_the_draft_appears_for_everyone_once_its_nominations_open(
    world: World, scheduled: Election
) -> None:
    actions.election_phase_move(
        election=scheduled, to_phase=Phase.NOMINATIONS, actor=world.official, reason="Calendar"
    )
    for role in ("anonymous", "elector"):
        client = _client(world, role)
        assert client.get(reverse("election_detail", args=[scheduled.slug])).status_code == 200
        assert SECRET.encode() in client.get(reverse("election_list")).content
        assert SECRET.encode() in client.get(reverse("api_elections")).content
