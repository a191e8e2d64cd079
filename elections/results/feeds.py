"""RSS 2.0 and Atom feeds of published results (django.contrib.syndication).

One item per published contest result, site-wide and per election, and one per contest
decided without a poll at the close of nominations (elected by acclamation, or nobody stood
and the seat awaits an appointment): most of OpenStack's PTL contests end that way. The GUID
of a result names the contest and the ballot set that was counted, so it never changes for
the same result, and a result published again after a correction (different ballots) is a
new item; that of a settled contest names the contest and how it was settled.
"""

from __future__ import annotations

import datetime
import re

from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from elections import conf as election_conf
from elections.models import Contest, ContestState, Election
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


FeedItem = Result | Contest


def feed_items(*, election: Election | None = None, public_only: bool = False) -> list[FeedItem]:
    """Published results and contests settled without a poll, newest first; ``public_only``
    leaves out elections whose results are for their electorate only."""
    results = selectors.published_results(election=election)
    settled = selectors.contests_settled_without_poll(election=election)
    if public_only:
        results = results.exclude(contest__election__results_electorate_only=True)
        settled = settled.exclude(election__results_electorate_only=True)
    results, settled = list(results[:FEED_ITEMS]), list(settled[:FEED_ITEMS])
    items: list[FeedItem] = [*results, *settled]
    items.sort(key=item_date, reverse=True)
    return items[:FEED_ITEMS]


def item_date(item: FeedItem) -> datetime.datetime:
    if isinstance(item, Result):
        return item.published_at or item.created_at
    # A cycle imported from its record was settled when its nominations closed, not when it
    # was imported.
    election = item.election
    if item.settled_at is None or election.calendar_of_record:
        return election.nominations_closes_at
    return item.settled_at


def settled_guid(contest: Contest) -> str:
    """Stable for the contest and how it was settled (an appointment recorded later is the
    same item, updated)."""
    site = re.sub(r"[^a-z0-9.-]+", "-", election_conf.site_name().lower()).strip("-.")
    site = site or "stackvote"
    election, state = contest.election.slug, contest.state
    return f"tag:{site},2026:settled/{election}/{contest.slug}/{state}"


def _names(contest: Contest) -> str:
    return ", ".join(c.candidate.display_name for c in contest.approved)  # type: ignore[attr-defined]


def _appointment(contest: Contest) -> object | None:
    try:
        return contest.appointment
    except Contest.appointment.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


def settled_title(contest: Contest) -> str:
    if contest.state == ContestState.ACCLAIMED:
        return f"{contest.name}: {_names(contest)} (elected by acclamation)"
    appointment = _appointment(contest)
    if appointment is not None:
        return f"{contest.name}: {appointment.appointee.display_name} (appointed)"  # type: ignore[attr-defined]
    return f"{contest.name}: no candidate, appointment needed"


def settled_summary(contest: Contest) -> str:
    where = f"{contest.election.name}, {contest.name}"
    if contest.state == ContestState.ACCLAIMED:
        return (
            f"{where}: {_names(contest)} elected by acclamation. There were no more candidates "
            "than seats when nominations closed, so no poll was held."
        )
    appointment = _appointment(contest)
    if appointment is not None:
        return (
            f"{where}: nobody stood; {appointment.appointee.display_name} was appointed by "  # type: ignore[attr-defined]
            f"{appointment.appointed_by} on {appointment.appointed_on:%Y-%m-%d}."  # type: ignore[attr-defined]
        )
    return (
        f"{where}: nobody stood when nominations closed. The seat is filled by appointment "
        "(OpenStack charter: the Technical Committee appoints the PTL of a leaderless team)."
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

    def items(self) -> list[FeedItem]:
        # Read by feed readers, signed in as nobody: results kept for an electorate stay out.
        return feed_items(public_only=True)

    def item_title(self, item: FeedItem) -> str:
        return result_title(item) if isinstance(item, Result) else settled_title(item)

    def item_description(self, item: FeedItem) -> str:
        # Readers render an RSS description and an Atom html summary as HTML: names typed by
        # people (candidates, officials) must arrive there as text, not markup.
        if isinstance(item, Result):
            return escape(result_summary(item))
        return escape(settled_summary(item))

    def item_link(self, item: FeedItem) -> str:
        if isinstance(item, Result):
            return item.get_absolute_url()
        return reverse("results_election", kwargs={"slug": item.election.slug}) + f"#{item.slug}"

    def item_guid(self, item: FeedItem) -> str:
        return result_guid(item) if isinstance(item, Result) else settled_guid(item)

    item_guid_is_permalink = False

    def item_pubdate(self, item: FeedItem) -> datetime.datetime | None:
        return item.published_at if isinstance(item, Result) else item_date(item)

    def item_updateddate(self, item: FeedItem) -> datetime.datetime | None:
        return self.item_pubdate(item)

    def item_categories(self, item: FeedItem) -> list[str]:
        contest = item.contest if isinstance(item, Result) else item
        return [contest.election.name, contest.get_kind_display()]


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

    def items(self, obj: Election) -> list[FeedItem]:  # type: ignore[override]
        return feed_items(election=obj)


class ElectionResultsAtomFeed(ElectionResultsFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Election) -> str:
        # An Atom text construct (no type="html"): plain text, not escaped twice.
        return election_feed_description(obj)
