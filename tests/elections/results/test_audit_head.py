"""Each published result records the audit chain's head at its publication, and everything
that shows the result shows that head: the page, the result JSON, the API and the feeds. The
election's page shows the current head."""

from __future__ import annotations

import hashlib
import json
from io import StringIO
from typing import Any

import feedparser
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from audit.selectors import audit_head
from elections.results import actions
from elections.results.models import Result, ResultFileKind
from tests.audit.tampering import raw_delete, rewrite_hashes

pytestmark = pytest.mark.django_db

BALLOTS = ((1, 2, 3), (1, 2, 3), (1, 3, 2), (3, 1, 2))


@pytest.fixture
def published(
    polled_contest: Any, official: Any, django_capture_on_commit_callbacks: Any
) -> Result:
    contest = polled_contest(ballots=BALLOTS)
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    with django_capture_on_commit_callbacks(execute=True):
        actions.result_publish(result=result, actor=official)
    result.refresh_from_db()
    return result


def test_publishing_records_the_head_of_its_own_publish_entry(published: Result) -> None:
    entry = AuditEntry.objects.get(action="result.publish", target=f"result:{published.pk}")
    assert published.audit_head == entry.entry_hash
    assert published.audit_position == AuditEntry.objects.filter(pk__lte=entry.pk).count()
    out = StringIO()
    call_command("audit_verify", "--head", published.audit_head, stdout=out)
    assert f"is entry {published.audit_position}" in out.getvalue()


def test_the_head_is_shown_with_the_result_in_its_json_the_api_and_the_feeds(
    published: Result, client: Client
) -> None:
    head, position = published.audit_head, published.audit_position
    page = client.get(published.get_absolute_url()).content.decode()
    assert f"Audit log head when published: entry {position}" in page and head in page
    # The result JSON people download carries it, and its recorded hash still matches.
    contest = published.contest
    slugs = [contest.election.slug, contest.slug]
    download = client.get(reverse("results_file", args=[*slugs, ResultFileKind.RESULT_JSON]))
    document = json.loads(download.content)
    assert (document["audit_head"], document["audit_position"]) == (head, position)
    assert hashlib.sha256(download.content).hexdigest() == download["X-Content-SHA256"]
    files_on_page = published.files.get(kind=ResultFileKind.RESULT_JSON).sha256
    assert files_on_page in page
    api = client.get(reverse("api_contest", args=slugs)).json()
    assert (api["result"]["audit_head"], api["result"]["audit_position"]) == (head, position)
    listing = client.get(reverse("api_results")).json()["results"]
    assert [r["audit_head"] for r in listing] == [head]
    for name in ("results_feed_rss", "results_feed_atom"):
        (item,) = feedparser.parse(client.get(reverse(name)).content).entries
        assert f"Audit log head when published: entry {position}, sha256 {head}." in (item.summary)


def test_a_draft_shows_no_head_and_its_json_says_so(
    polled_contest: Any, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    contest = polled_contest(ballots=BALLOTS)
    with django_capture_on_commit_callbacks(execute=True):
        actions.contest_close_and_tally(contest=contest)
    result = Result.objects.get(contest=contest)
    assert result.audit_head == "" and result.audit_position is None
    stored = json.loads(result.files.get(kind=ResultFileKind.RESULT_JSON).content)
    assert stored["audit_head"] is None and stored["audit_position"] is None
    reviewer = Client()
    reviewer.force_login(official)
    assert "Audit log head" not in reviewer.get(result.get_absolute_url()).content.decode()


def test_publishing_again_records_the_later_head(
    published: Result, official: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    first = published.audit_head, published.audit_position
    actions.result_unpublish(result=published, actor=official, reason="Wrong roll")
    with django_capture_on_commit_callbacks(execute=True):
        actions.result_publish(result=published, actor=official)
    published.refresh_from_db()
    assert published.audit_head != first[0] and published.audit_position > first[1]
    page = client.get(published.get_absolute_url()).content.decode()
    assert published.audit_head in page and first[0] not in page


def test_the_election_page_shows_the_current_head(published: Result, client: Client) -> None:
    head = audit_head()
    assert head is not None and head.position == AuditEntry.objects.count()
    page = client.get(published.contest.election.get_absolute_url()).content.decode()
    assert f"Its head now: entry {head.position}, sha256" in page and head.entry_hash in page


def test_a_rewrite_after_publication_is_caught_by_the_result_s_head(published: Result) -> None:
    earlier = AuditEntry.objects.filter(action="election.create").get()
    raw_delete(earlier.pk)
    rewrite_hashes()
    call_command("audit_verify", stdout=StringIO())  # every hash holds again
    with pytest.raises(CommandError, match="is not in the audit chain"):
        call_command("audit_verify", "--head", published.audit_head, stdout=StringIO())
