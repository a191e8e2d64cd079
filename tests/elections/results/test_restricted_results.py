"""Results for the electorate only (CIVS's ``restrict_results``): an election's officials keep
its published results from anyone not on one of its rolls; pages, files, feeds and the API
refuse outsiders and serve electors and officials."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from elections import actions
from elections.models import Phase
from elections.results.scenarios import Scenario, scenario_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(official: Any) -> Scenario:
    scenario = scenario_build(official=official, slug="2027-poll", phase=Phase.PUBLISHED)
    actions.election_update(
        election=scenario.election, actor=official, results_electorate_only=True
    )
    return scenario


def _urls(scenario: Scenario) -> dict[str, str]:
    slug, contest = scenario.election.slug, scenario.contest.slug
    return {
        "election page": reverse("results_election", kwargs={"slug": slug}),
        "contest page": reverse(
            "results_contest", kwargs={"election_slug": slug, "contest_slug": contest}
        ),
        "ballots file": reverse(
            "results_file",
            kwargs={"election_slug": slug, "contest_slug": contest, "kind": "ballots_csv"},
        ),
        "election feed": reverse("results_election_feed_rss", kwargs={"slug": slug}),
        "election atom": reverse("results_election_feed_atom", kwargs={"slug": slug}),
        "api results": reverse("api_results") + f"?election={slug}",
        "api turnout": reverse("api_election_turnout", kwargs={"slug": slug}),
    }


def contest_page_link(scenario: Scenario) -> str:
    return _urls(scenario)["contest page"]


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_outsiders_are_refused_every_result_of_an_election_kept_for_its_electorate(
    published: Scenario, make_user: Any
) -> None:
    outsider = make_user("outsider@example.net")
    for who, client in (("anonymous", _client()), ("outsider", _client(outsider))):
        for name, url in _urls(published).items():
            status = client.get(url).status_code
            assert status in (403, 404), f"{who} got {status} for the {name}"
        # Lists and feeds leave it out; the contest's API answer has no result.
        contest_page = _urls(published)["contest page"]
        assert contest_page not in client.get(reverse("results_index")).content.decode()
        assert "2027-poll" not in client.get(reverse("results_feed_rss")).content.decode()
        assert contest_page not in client.get(reverse("home")).content.decode()
        api = json.loads(client.get(reverse("api_results")).content)
        assert api["results"] == []
        contest = json.loads(
            client.get(
                reverse(
                    "api_contest",
                    kwargs={"election_slug": "2027-poll", "contest_slug": published.contest.slug},
                )
            ).content
        )
        assert contest["result"] is None and contest["results_electorate_only"] is True
        assert contest["turnout"] is None


def test_the_turnout_api_refuses_outsiders_as_the_results_page_does_and_says_so_in_openapi(
    published: Scenario, make_user: Any
) -> None:
    urls = _urls(published)
    for client in (_client(), _client(make_user("outsider@example.net"))):
        page = client.get(urls["election page"]).status_code
        answer = client.get(urls["api turnout"])
        assert page == answer.status_code == 403
        assert answer.json() == {
            "detail": "The results of this election are for its electorate only."
        }
    elector = _client(published.electors[-1])
    turnout = elector.get(urls["api turnout"]).json()
    assert turnout["electorate"] > 0 and turnout["voters"] == len(published.receipts)
    document = _client().get(reverse("api_openapi")).json()
    refused = document["paths"]["/elections/{election_slug}/turnout/"]["get"]["responses"]["403"]
    assert "electorate only" in refused["description"]
    schema = refused["content"]["application/json"]["schema"]
    assert schema["required"] == ["detail"]
    assert "403" in document["paths"]["/results/"]["get"]["responses"]


def test_electors_and_officials_see_them_and_everyone_does_when_the_officials_open_them(
    published: Scenario, official: Any
) -> None:
    elector = published.electors[-1]  # on the roll, did not vote
    for who in (elector, official):
        client = _client(who)
        for name, url in _urls(published).items():
            response = client.get(url)
            assert response.status_code == 200, f"{who} got {response.status_code} for {name}"
        assert "Alice Able" in client.get(_urls(published)["contest page"]).content.decode()
        assert contest_page_link(published) in client.get(reverse("home")).content.decode()
        api = json.loads(client.get(reverse("api_results")).content)
        assert len(api["results"]) == 1
    actions.election_update(
        election=published.election, actor=official, results_electorate_only=False
    )
    assert _client().get(_urls(published)["contest page"]).status_code == 200
    assert "2027-poll" in _client().get(reverse("results_feed_rss")).content.decode()


def test_operators_set_who_sees_the_results_from_the_command_line(
    published: Scenario, official: Any, make_user: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command(
        "election", "2027-poll", "--actor", official.email, "results-for", "everyone", stdout=out
    )
    assert "are for everyone" in out.getvalue()
    assert _client().get(contest_page_link(published)).status_code == 200
    call_command("election", "2027-poll", "--actor", official.email, "results-for", "electorate")
    assert _client().get(contest_page_link(published)).status_code == 403
    outsider = make_user("outsider@example.net")
    with pytest.raises(CommandError):
        call_command("election", "2027-poll", "--actor", outsider.email, "results-for", "everyone")
    assert _client().get(contest_page_link(published)).status_code == 403
