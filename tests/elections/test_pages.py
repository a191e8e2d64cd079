"""Public pages: the list, an election with its calendar, a contest with its electorate."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from elections import actions
from elections.models import ContestKind, Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def election_in_campaigning(
    make_team: Any,
    contribute: Any,
    make_election: Any,
    make_contest: Any,
    open_nominations: Any,
    make_user: Any,
    official: Any,
) -> Any:
    nova = make_team()
    for name in ("alice", "bob"):
        contribute(nova, f"{name}@example.org")
    election = make_election(slug="open-one")
    contest = make_contest(election, team=nova)
    make_contest(election, kind=ContestKind.TC, seats=2)
    election = open_nominations(election)
    for name in ("alice", "bob"):
        candidacy = actions.candidacy_submit(
            contest=contest,
            candidate=make_user(f"{name}@example.org", full_name=name.title()),
            platform=f"# {name}\n\n<script>alert(1)</script> I *will* review.",
        )
        actions.candidacy_review(candidacy=candidacy, reviewer=official, approve=True)
    return actions.election_phase_move(
        election=election, to_phase=Phase.CAMPAIGNING, actor=official, reason="close"
    )


def test_the_list_splits_open_and_past_and_shows_drafts_to_officials_only(
    make_election: Any,
    make_contest: Any,
    election_in_campaigning: Any,
    client: Client,
    official: Any,
) -> None:
    scheduled = make_election(slug="next-year", opens=timezone.now() + datetime.timedelta(days=90))
    hidden = make_election(slug="hidden-draft", auto_advance=False)
    page = client.get(reverse("election_list")).content.decode()
    open_, past = (
        page.split('id="open-heading"')[1].split("</section>")[0],
        page.split('id="past-heading"')[1].split("</section>")[0],
    )
    assert "Election open-one" in open_
    assert "No election has closed yet." in past
    # A draft, even one scheduled to open by itself, is the officials' business.
    assert 'id="upcoming-heading"' not in page
    assert scheduled.name not in page and hidden.name not in page
    for slug in ("next-year", "hidden-draft"):
        assert client.get(reverse("election_detail", args=[slug])).status_code == 404
    client.force_login(official)
    page = client.get(reverse("election_list")).content.decode()
    upcoming = page.split('id="upcoming-heading"')[1].split("</section>")[0]
    assert scheduled.name in upcoming and hidden.name in upcoming
    assert client.get(reverse("election_detail", args=["hidden-draft"])).status_code == 200


def test_the_home_page_lists_open_elections(election_in_campaigning: Any, client: Client) -> None:
    page = client.get(reverse("home")).content.decode()
    assert election_in_campaigning.name in page
    assert 'src="/static/js/localtime.js"' in page


def test_the_election_page_shows_its_calendar_in_utc_time_elements(
    election_in_campaigning: Any, client: Client
) -> None:
    election = election_in_campaigning
    page = client.get(election.get_absolute_url()).content.decode()
    iso = election.polling_opens_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'<time datetime="{iso}" data-localtime>' in page
    assert re.search(
        r'<tr class="current" aria-current="step">\s*<th scope="row">Campaigning', page
    )
    assert "Nova PTL" in page and "Alice" in page and "Bob" in page
    assert "2 voters" in page  # Nova's electorate
    assert '<script src="/static/js/localtime.js" defer></script>' in page


def test_the_contest_page_shows_platforms_electorate_and_fingerprint(
    election_in_campaigning: Any, client: Client
) -> None:
    contest = election_in_campaigning.contests.get(slug="nova")
    page = client.get(contest.get_absolute_url()).content.decode()
    assert "<h1>alice</h1>" in page and "<em>will</em>" in page
    assert "<script>alert(1)</script>" not in page
    assert contest.roll.fingerprint in page
    assert "<dt>Voters on the roll</dt><dd>2</dd>" in page


def test_pages_work_without_javascript(election_in_campaigning: Any, client: Client) -> None:
    """Dates are printed in UTC in the HTML itself; the script only re-formats them."""
    page = client.get(election_in_campaigning.get_absolute_url()).content.decode()
    assert re.search(r"data-localtime>\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>", page)
    assert "<script>" not in page  # no inline script (CSP)


def test_listing_pages_use_a_fixed_number_of_queries(
    make_election: Any,
    make_contest: Any,
    election_in_campaigning: Any,
    client: Client,
    django_assert_max_num_queries: Any,
    official: Any,
) -> None:
    for n in range(5):
        election = make_election(slug=f"e{n}")
        make_contest(election, kind=ContestKind.TC, seats=2)
    with django_assert_max_num_queries(8):
        client.get(reverse("election_list"))
    with django_assert_max_num_queries(8):
        client.get(reverse("home"))
    with django_assert_max_num_queries(12):
        client.get(election_in_campaigning.get_absolute_url())


def test_a_polled_contest_page_links_to_the_ballot(
    election_in_campaigning: Any, official: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    election = actions.election_phase_move(
        election=election_in_campaigning, to_phase=Phase.POLLING, actor=official, reason="open"
    )
    contest = election.contests.get(slug="nova")
    with django_assert_max_num_queries(10):
        page = client.get(contest.get_absolute_url()).content.decode()
    assert f'href="{reverse("ballot", args=[contest.pk])}"' in page
