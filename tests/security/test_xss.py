"""Script in anything a person can type comes out as text on every page that shows it.

The world of tests/builders.py is built with an XSS payload in front of every name a person
or an official can type: candidates' full names, platforms (Markdown, with a ``javascript:``
link), affiliations, option names, election and contest names and descriptions, the team's
name; and an e-mail display name arrives through the Gerrit ingest and a hand-added voter.
Each page is then read as HTML: no ``<script>`` with the payload, no ``on*=`` handler, no
``javascript:`` URL, and the raw payload text never appears. Feeds are read as XML first,
then the HTML they carry (RSS ``description``, Atom ``summary``) is read the same way, as a
feed reader would. The JSON API answers ``application/json`` with ``nosniff``.
"""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own feed, not untrusted XML
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.builders import World, build_world

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
PAYLOAD = SCRIPT + BREAKOUT
# Markup that must never be in a page as it is (``javascript:`` as text is harmless; as a
# link it is found by the parser).
RAW_FRAGMENTS = (SCRIPT, "<img src=x onerror")


class _Dangers(HTMLParser):
    """Collect what a browser would run: script bodies, event handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag == "img" and ("src", "x") in attrs:
            self.found.append(f"<img src=x> element: {attrs}")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert" in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and value.startswith("javascript"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"<script>{data}</script>")


def dangers_in_html(html: str) -> list[str]:
    """What in ``html`` would run the payload (empty when the page is safe)."""
    parser = _Dangers()
    parser.feed(html)
    parser.close()
    raw = [f"raw {fragment!r}" for fragment in RAW_FRAGMENTS if fragment in html]
    return raw + parser.found


def _html_in_feed(xml: bytes) -> list[str]:
    """The HTML a feed reader renders: RSS descriptions, Atom summaries and content, and Atom
    text constructs that declare themselves html."""
    root = ET.fromstring(xml)  # noqa: S314 - our own feed
    fragments = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        html_type = element.get("type") in ("html", "xhtml")
        if tag in ("description", "summary", "content") or html_type:
            fragments.append(element.text or "")
    return fragments


@pytest.fixture
def xss_world(
    official: Any,
    make_user: Any,
    make_team: Any,
    contribute: Any,
    django_capture_on_commit_callbacks: Any,
) -> World:
    world = build_world(
        official=official,
        make_user=make_user,
        make_team=make_team,
        contribute=contribute,
        capture_on_commit=django_capture_on_commit_callbacks,
        label=PAYLOAD,
    )
    _display_names(world)
    return world


def _display_names(world: World) -> None:
    """E-mail display names from the outside: a Gerrit export naming the elector's address
    with a payload, and a voter added by hand with one in name and reason."""
    from accounts.actions import gerrit_ingest, voter_add

    change = {
        "project": "openstack/nova",
        "number": 1,
        "status": "MERGED",
        "lastUpdated": 1_772_000_000,
        "owner": {"name": PAYLOAD, "email": world.elector.email},
        "patchSets": [{"number": 1, "revision": "a" * 40, "approvals": []}],
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gerrit.json"
        path.write_text(json.dumps(change) + "\n", encoding="utf-8")
        gerrit_ingest(path=path)
    voter_add(
        email=world.non_elector.email, name=PAYLOAD, reason=f"{PAYLOAD} helps", team=world.team
    )


def _pages(world: World) -> list[tuple[str, str]]:
    """(role, url) for every page that shows something typed by a person."""
    polling, published, nominations = (
        world.polling_election,
        world.published_election,
        world.nominations_election,
    )
    public = [
        reverse("home"),
        reverse("election_list"),
        *(reverse("election_detail", args=[e.slug]) for e in (polling, published, nominations)),
        reverse("contest_detail", args=[polling.slug, "ptl"]),
        reverse("contest_detail", args=[polling.slug, "release-name"]),
        reverse("contest_detail", args=[published.slug, "ptl"]),
        reverse("contest_detail", args=[nominations.slug, "ptl"]),
        reverse("turnout"),
        reverse("receipt_check", args=[world.published_contest.pk]),
        reverse("results_index"),
        reverse("results_election", args=[published.slug]),
        reverse("results_contest", args=[published.slug, "ptl"]),
        reverse("results_team_history", args=[world.team.slug]),
    ]
    signed_in = [
        reverse("vote_index"),
        reverse("eligibility"),
        reverse("profile"),
        reverse("my_candidacies"),
        reverse("ballot", args=[world.polling_contest.pk]),
        reverse("ballot", args=[world.community_contest.pk]),
        reverse("candidacy_submit", args=[nominations.slug, "ptl"]),
        reverse("candidacy_edit", args=[world.own_candidacy.pk]),
    ]
    officials = [
        reverse("admin:elections_candidacy_changelist"),
        reverse("admin:elections_candidacy_change", args=[world.own_candidacy.pk]),
        reverse("admin:elections_contest_change", args=[world.polling_contest.pk]),
        reverse("admin:elections_election_changelist"),
        reverse("admin:accounts_contribution_changelist"),
        reverse("admin:accounts_extravoter_changelist"),
        reverse("admin:results_result_changelist"),
    ]
    return (
        [("anonymous", url) for url in public]
        + [("candidate", url) for url in public + signed_in]
        + [("non_elector", reverse("eligibility"))]
        + [("official", url) for url in officials]
    )


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.user(role))
    return client


def test_the_payload_is_on_the_pages_but_only_as_text(xss_world: World) -> None:
    problems = []
    clients: dict[str, Client] = {}
    for role, url in _pages(xss_world):
        client = clients.setdefault(role, _client(xss_world, role))
        response = client.get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        found = dangers_in_html(response.content.decode())
        problems += [f"{url} as {role}: {danger}" for danger in found]
    assert not problems, "\n".join(problems)
    # And the payload did reach the pages, as text: the test is not passing on empty pages.
    page = clients["anonymous"].get(xss_world.polling_contest.get_absolute_url())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode()


def test_the_ballot_review_and_receipt_show_names_as_text(xss_world: World) -> None:
    client = _client(xss_world, "elector")
    url = reverse("ballot", args=[xss_world.community_contest.pk])
    keys = [choice.key for choice in xss_world.community_contest.ballot_choices()]
    ranks = {f"rank-{key}": str(rank) for rank, key in enumerate(keys, 1)}
    review = client.post(url, {**ranks, "step": "review"})
    assert review.status_code == 200
    refused = client.post(url, {**ranks, f"rank-{keys[0]}": PAYLOAD, "step": "review"})
    assert refused.status_code == 400
    receipt = client.post(url, {**ranks, "step": "confirm"})
    assert receipt.status_code == 200, receipt.status_code
    assert "Your receipt" in receipt.content.decode()
    for response in (review, refused, receipt):
        assert dangers_in_html(response.content.decode()) == []


def test_feeds_carry_names_as_text_to_feed_readers(xss_world: World) -> None:
    """RSS descriptions and Atom html summaries are HTML to a reader: after the XML is
    decoded, the payload must still be escaped."""
    client = Client()
    slug = xss_world.published_election.slug
    problems = []
    for url in (
        reverse("results_feed_rss"),
        reverse("results_feed_atom"),
        reverse("results_election_feed_rss", args=[slug]),
        reverse("results_election_feed_atom", args=[slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        fragments = _html_in_feed(response.content)
        assert any("alert(1)" in fragment for fragment in fragments), url
        for fragment in fragments:
            problems += [f"{url}: {danger}" for danger in dangers_in_html(fragment)]
    assert not problems, "\n".join(problems)


def test_the_json_api_is_never_sniffed_as_html(xss_world: World) -> None:
    client = Client()
    slug = xss_world.published_election.slug
    for url in (
        reverse("api_elections"),
        reverse("api_election", args=[slug]),
        reverse("api_contest", args=[slug, "ptl"]),
        reverse("api_results"),
        reverse("api_election_turnout", args=[xss_world.polling_election.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json"), url
        assert response["X-Content-Type-Options"] == "nosniff", url
        if "turnout" in url:
            continue  # counts only, no names
        # The names are data, kept exactly as typed.
        assert any(PAYLOAD in text for text in _strings(response.json())), url


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def test_markdown_platforms_drop_scripts_handlers_and_javascript_links() -> None:
    from elections.markdown import render_markdown

    for source in (
        PAYLOAD,
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "![x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        "`<script>alert(1)</script>`",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '[x](http://example.org/" onmouseover="alert(1))',
    ):
        html = render_markdown(source)
        assert dangers_in_html(html) == [], (source, html)
        assert "data:text/html" not in html, (source, html)
