"""RSS 2.0 and Atom feeds of published results (django.contrib.syndication).

One item per published contest result, site-wide and per election. The GUID names the contest
and the ballot set that was counted, so it never changes for the same result, and a result
published again after a correction (different ballots) is a new item.
"""

from __future__ import annotations

import datetime
import re

from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from elections import conf as election_conf
from elections.models import Election
from elections.results import selectors
from elections.results.models import Result
from elections.results.permissions import may_see_results
from elections.selectors import elections_visible_to

FEED_ITEMS = 50


def result_guid(result: Result) -> str:
    """A stable, globally unique id: a ``tag:`` URI (RFC 4151) that does not depend on the
    host name the site is served from."""
    # RFC 4151 wants a DNS-like name: keep letters, digits, dots and hyphens of the site name.
    site = re.sub(r"[^a-z0-9.-]+", "-", election_conf.site_name().lower()).strip("-.")
    site = site or "stackvote"
    return (
        f"tag:{site},2026:result/{result.contest.election.slug}/{result.contest.slug}/"
        f"{result.ballot_set_sha256}"
    )


def result_title(result: Result) -> str:
    winners = ", ".join(result.winners) if result.winners else "no winner"
    return f"{result.contest.name}: {winners}"


def result_summary(result: Result) -> str:
    turnout = (
        f" out of an electorate of {result.electorate_size} ({result.turnout_percent}% turnout)"
        if result.electorate_size
        else ""
    )
    seats = "seat" if result.seats == 1 else "seats"
    ranking = " > ".join(" = ".join(group) for group in result.ranking) or "no candidates"
    return (
        f"{result.contest.election.name}, {result.contest.name} ({result.seats} {seats}). "
        f"Elected: {', '.join(result.winners) or 'nobody'}. "
        f"{result.ballot_count} ballots{turnout}, counted by the "
        f"{result.get_method_display_name()} method. Full ranking: {ranking}. "
        f"Ballot file sha256: {result.ballot_file_sha256}."
        f"{audit_head_sentence(result)}"
    )


def audit_head_sentence(result: Result) -> str:
    """The audit chain's head recorded at publication, for readers who keep it."""
    if not result.audit_head:
        return ""
    return (
        f" Audit log head when published: entry {result.audit_position}, "
        f"sha256 {result.audit_head}."
    )


def election_feed_description(election: Election) -> str:
    return f"Results of the contests of {election.name} as officials publish them."


class ResultsFeed(Feed):
    """All published results, newest first (RSS 2.0)."""

    feed_type = Rss201rev2Feed
    title = "stackvote: election results"
    description = "Results of contests as officials publish them."

    def link(self) -> str:
        return reverse("results_index")

    def items(self) -> QuerySet[Result]:
        # Read by feed readers, signed in as nobody: results kept for an electorate stay out.
        return selectors.published_results().exclude(
            contest__election__results_electorate_only=True
        )[:FEED_ITEMS]

    def item_title(self, item: Result) -> str:
        return result_title(item)

    def item_description(self, item: Result) -> str:
        # Readers render an RSS description and an Atom html summary as HTML: names typed by
        # people (candidates, officials) must arrive there as text, not markup.
        return escape(result_summary(item))

    def item_link(self, item: Result) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Result) -> str:
        return result_guid(item)

    item_guid_is_permalink = False

    def item_pubdate(self, item: Result) -> datetime.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Result) -> datetime.datetime | None:
        return item.published_at

    def item_categories(self, item: Result) -> list[str]:
        return [item.contest.election.name, item.contest.get_kind_display()]


class ResultsAtomFeed(ResultsFeed):
    feed_type = Atom1Feed
    subtitle = ResultsFeed.description


class ElectionResultsFeed(ResultsFeed):
    """Published results of one election (RSS 2.0)."""

    def get_object(self, request: HttpRequest, slug: str) -> Election:  # type: ignore[override]
        election = get_object_or_404(elections_visible_to(request.user), slug=slug)
        if not may_see_results(request.user, election):
            raise PermissionDenied("The results of this election are for its electorate only.")
        return election

    def title(self, obj: Election) -> str:  # type: ignore[override]
        return f"stackvote: results of {obj.name}"

    def description(self, obj: Election) -> str:  # type: ignore[override]
        # Rendered as HTML by many RSS readers, like the items' descriptions.
        return escape(election_feed_description(obj))

    def link(self, obj: Election) -> str:  # type: ignore[override]
        return reverse("results_election", kwargs={"slug": obj.slug})

    def items(self, obj: Election) -> QuerySet[Result]:  # type: ignore[override]
        return selectors.published_results(election=obj)[:FEED_ITEMS]


class ElectionResultsAtomFeed(ElectionResultsFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Election) -> str:
        # An Atom text construct (no type="html"): plain text, not escaped twice.
        return election_feed_description(obj)
