"""Voting pages: where to vote, the ballot (rank, review, cast or change), receipts, turnout.

The ballot is a three-step form without any server-side state between the steps: the rank
form posts to the review, the review posts the same values to the cast (or back to editing).
Nothing about the ballot is kept in the session, and the receipt appears only in the response
to the cast, which is marked uncacheable.

Any refusal is a page with a message and a 4xx status; a database failure while casting is a
503 saying the ballot was not recorded (docs/operations.md). None of these is logged with the
voter, the ranks or the receipt.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, InterfaceError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from elections.models import Contest
from elections.selectors import election_is_public, late_addresses_message, user_is_elector
from elections.voting import selectors
from elections.voting.actions import (
    ALREADY_VOTED_MESSAGE,
    RECEIPT_NOT_FOUND_MESSAGE,
    AlreadyVoted,
    BallotRefused,
    NotAnElector,
    NotPolling,
    ReceiptNotFound,
    VotingError,
    ballot_cast,
    ballot_change,
)
from elections.voting.forms import BallotForm, submitted_ranking
from elections.voting.ranking import FIELD_PREFIX, RankingError
from elections.voting.receipts import ballot_tracker, receipt_hash

logger = logging.getLogger(__name__)
# The database failing or its connection found closed (InterfaceError is not a DatabaseError).
DATABASE_FAILURES = (DatabaseError, InterfaceError)


def _contest_or_404(request: HttpRequest, contest_id: int) -> Contest:
    """The contest, if its election is one the viewer may see: a draft is the officials'
    business, and even its contest's name must not show on a voting page."""
    contest = selectors.contest_with_election(contest_id)
    if contest is None or not election_is_public(contest.election, request.user):
        raise Http404("No such contest.")
    return contest


@login_required
def vote_index(request: HttpRequest) -> HttpResponse:
    """The contests polling now: may I vote, have I voted, when does it close, turnout."""
    rows = selectors.contests_for_voter(request.user)
    turnout = {t.contest.pk: t for t in selectors.turnouts(row.contest for row in rows)}
    return render(
        request,
        "voting/index.html",
        {"rows": [(row, turnout[row.contest.pk]) for row in rows]},
    )


def _not_recorded(request: HttpRequest, contest_id: int) -> HttpResponse:
    """The 503 "your ballot was not recorded, try again" page, which needs no database."""
    # No detail of the request: it would be the voter, and perhaps their ranks.
    logger.warning("A ballot could not be recorded: database error.")
    context = {"contest_id": contest_id}
    try:
        return render(request, "voting/not_recorded.html", context, status=503)
    except DATABASE_FAILURES:
        # The signed-in user could not be loaded either: show the page as to a visitor.
        request.user = AnonymousUser()
        return render(request, "voting/not_recorded.html", context, status=503)


def _cast_outage_is_not_recorded(
    view: Callable[[HttpRequest, int], HttpResponse],
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A database outage anywhere in a cast (loading the signed-in user or the contest as
    well as storing the ballot) answers the voter "not recorded, try again", never a 500."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, contest_id: int) -> HttpResponse:
        try:
            return view(request, contest_id)
        except DATABASE_FAILURES:
            if request.method != "POST" or request.POST.get("step") != "confirm":
                raise
            return _not_recorded(request, contest_id)

    return wrapped


@never_cache
# Ranks and the receipt never reach an error report beside the signed-in voter's name.
@sensitive_post_parameters()
@_cast_outage_is_not_recorded
@login_required
@require_http_methods(["GET", "POST"])
def ballot(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Rank (GET, or POST step=edit), review (POST), then cast or change (POST step=confirm)."""
    contest = _contest_or_404(request, contest_id)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step == "confirm":
        return _confirm(request, contest)
    refusal = _refusal(request, contest)
    if refusal is not None:
        return refusal
    changing = selectors.user_has_voted(request.user, contest)
    choices = contest.ballot_choices()

    if step == "edit":
        values = {
            name: request.POST.get(name, "")
            for name in request.POST
            if name.startswith(FIELD_PREFIX) or name == "receipt"
        }
        form = BallotForm(
            initial=values, choices=choices, changing=changing, order=request.POST.get("order", "")
        )
        return _ballot_page(request, contest, form)
    if request.method == "GET":
        return _ballot_page(request, contest, BallotForm(choices=choices, changing=changing))

    if changing and "receipt" not in request.POST:
        # A form loaded before this voter's ballot went in (another tab, a double click).
        return _refused(request, contest, AlreadyVoted(ALREADY_VOTED_MESSAGE), offer_change=True)
    form = BallotForm(request.POST, choices=choices, changing=changing)
    if not form.is_valid():
        return _ballot_page(request, contest, form, status=400)
    if changing and not selectors.ballot_exists_for_receipt(
        contest, request.user, form.cleaned_data["receipt"]
    ):
        # Say it at the review already, not only once the voter confirms.
        form.add_error("receipt", RECEIPT_NOT_FOUND_MESSAGE)
        return _ballot_page(request, contest, form, status=400)
    return render(
        request,
        "voting/review.html",
        {
            "contest": contest,
            "form": form,
            "changing": changing,
            "tiers": _labelled_tiers(form),
            "unranked": sorted(
                (form.labels()[key] for key in form.ranking.unranked), key=str.casefold
            ),
            "summary": form.ranking.describe(form.labels()),
        },
    )


def _refusal(request: HttpRequest, contest: Contest) -> HttpResponse | None:
    """The refusal page for someone who may not see a ballot of ``contest`` now, or None."""
    if not user_is_elector(request.user, contest):
        late = late_addresses_message(request.user, contest.election)
        return _refused(
            request,
            contest,
            NotAnElector(
                f"You are not on the electorate of {contest.name}, so there is no ballot for you."
                + (f" {late}" if late else "")
            ),
        )
    if not selectors.takes_ballots(contest):
        return _refused(request, contest, NotPolling(f"{contest.name} is not open for voting."))
    return None


def _confirm(request: HttpRequest, contest: Contest) -> HttpResponse:
    """Cast (or, with a receipt, change) the reviewed ballot.

    The actions check the elector, the poll and the voter record again under their locks,
    so they are not checked here first: a refused cast comes back as the service's message.
    """
    changing = "receipt" in request.POST
    choices = contest.ballot_choices()
    form = None
    try:
        # A first cast needs only the ranking; the whole form is built to change a ballot
        # (it checks the receipt too) or to show what is wrong.
        ranking = None if changing else submitted_ranking(request.POST, choices)
    except RankingError:
        ranking = None
    if ranking is None:
        form = BallotForm(request.POST, choices=choices, changing=changing)
        if not form.is_valid():
            return _refusal(request, contest) or _ballot_page(request, contest, form, status=400)
        ranking = form.ranking
    try:
        if changing:
            code = ballot_change(
                contest=contest,
                voter=request.user,
                receipt=form.cleaned_data["receipt"],
                ranking=ranking,
            )
        else:
            code = ballot_cast(contest=contest, voter=request.user, ranking=ranking)
    except AlreadyVoted as error:
        return _refused(request, contest, error, offer_change=True)
    except (ReceiptNotFound, BallotRefused) as error:
        form = form or BallotForm(request.POST, choices=choices, changing=changing)
        form.is_valid()
        form.add_error("receipt" if isinstance(error, ReceiptNotFound) else None, str(error))
        return _ballot_page(request, contest, form, status=error.status)
    except VotingError as error:
        return _refused(request, contest, error)
    except DatabaseError:
        return _not_recorded(request, contest.pk)
    return render(
        request,
        "voting/receipt.html",
        {
            "contest": contest,
            "code": code,
            "hash": receipt_hash(code),
            "tracker": (
                ballot_tracker(code, ranking.as_dict()) if contest.election.publish_trackers else ""
            ),
            "changed": changing,
        },
    )


def _ballot_page(
    request: HttpRequest, contest: Contest, form: BallotForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "voting/ballot.html",
        {
            "contest": contest,
            "form": form,
            "changing": form.changing,
            "size": len(form.choices),
            "turnout": selectors.turnout(contest),
            "details": selectors.ballot_choice_details(contest, form.display_order),
        },
        status=status,
    )


def _refused(
    request: HttpRequest, contest: Contest, error: VotingError, offer_change: bool = False
) -> HttpResponse:
    return render(
        request,
        "voting/refused.html",
        {
            "contest": contest,
            "message": str(error),
            "not_elector": isinstance(error, NotAnElector),
            "offer_change": offer_change,
            "receipts_public": selectors.receipts_are_public(contest),
        },
        status=error.status,
    )


def _labelled_tiers(form: BallotForm) -> list[list[str]]:
    labels = form.labels()
    return [sorted((labels[key] for key in tier), key=str.casefold) for tier in form.ranking.tiers]


@never_cache
@sensitive_post_parameters("receipt")
@require_http_methods(["GET", "POST"])
def receipt_check(request: HttpRequest, contest_id: int) -> HttpResponse:
    """After the close anyone may paste a receipt and learn whether it was counted.

    The receipt travels in a POST body, never in the URL, so it stays out of access logs,
    browser history and Referer headers.
    """
    contest = _contest_or_404(request, contest_id)
    public = selectors.receipts_are_public(contest)
    context: dict[str, Any] = {
        "contest": contest,
        "public": public,
        "seal": selectors.ballot_box_seal(contest) if public else None,
        "result": None,
    }
    status = 200
    if request.method == "POST" and public:
        entered = request.POST.get("receipt", "")[:200]
        check = selectors.receipt_check(contest, entered)
        context["result"] = check.state
        if contest.election.publish_trackers:
            context["tracker"] = check.tracker
    elif request.method == "POST":
        status = 409
    return render(request, "voting/receipt_check.html", context, status=status)


def receipt_hashes(request: HttpRequest, contest_id: int) -> HttpResponse:
    """The published list of counted receipt hashes, one per line (after the close)."""
    contest = _contest_or_404(request, contest_id)
    if not selectors.receipts_are_public(contest):
        return HttpResponse(
            "Receipts are published once polling has closed and the ballots are sealed.\n",
            content_type="text/plain; charset=utf-8",
            status=404,
        )
    hashes = selectors.counted_receipt_hashes(contest)
    return HttpResponse(
        "".join(f"{value}\n" for value in hashes), content_type="text/plain; charset=utf-8"
    )


def turnout(request: HttpRequest) -> HttpResponse:
    """Public turnout while polling: ballots cast and electorate size per contest, counts only."""
    return render(
        request,
        "voting/turnout.html",
        {"turnouts": selectors.turnouts(selectors.polling_contests())},
    )
