"""The ballot pages a voter sees: a wrong receipt is called that, a community vote ranks
options, every date is one format the browser shows in the viewer's time zone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from elections.voting.actions import ballot_cast
from elections.voting.ranking import Ranking
from tests.pages.test_voter_pages import _dangling_describedby

pytestmark = pytest.mark.django_db


def test_a_wrong_receipt_is_called_a_wrong_receipt(
    client: Client, make_poll: Any, elector: Any
) -> None:
    contest = make_poll(electors=[elector])
    keys = [choice.key for choice in contest.ballot_choices()]
    ballot_cast(contest=contest, voter=elector, ranking=Ranking.from_ranks({keys[0]: 1}, keys))
    client.force_login(elector)
    url = reverse("ballot", args=[contest.pk])
    page = client.get(url).content.decode()
    assert 'class="receipt-input"' in page and 'size="29"' in page
    response = client.post(
        url, {"receipt": "AAAAA-BBBBB-CCCCC-DDDDD", f"rank-{keys[0]}": "1", "step": "review"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The receipt you gave is not right" in html
    assert "marked rank" not in html
    assert _dangling_describedby(html) == []


def test_a_community_vote_speaks_of_options(client: Client, make_poll: Any, elector: Any) -> None:
    contest = make_poll(electors=[elector])
    client.force_login(elector)
    page = client.get(reverse("ballot", args=[contest.pk])).content.decode()
    assert 'data-noun="option"' in page
    assert "Rank the options" in page
    assert "candidate" not in page.lower()


def test_dates_are_one_localisable_format_on_voting_pages(
    client: Client, make_poll: Any, elector: Any
) -> None:
    contest = make_poll(electors=[elector])
    client.force_login(elector)
    for url in (reverse("vote_index"), reverse("ballot", args=[contest.pk]), reverse("turnout")):
        page = client.get(url).content.decode()
        times = re.findall(r"<time[^>]*>[^<]*</time>", page)
        assert times, url
        for element in times:
            assert "data-localtime" in element, element
            assert re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d UTC<", element), element
        assert "js/localtime.js" in page
