"""A read-only JSON API for dashboards: elections, contests, candidates, results, turnout.

Plain Django views returning JSON (no framework needed for a handful of GET endpoints), with a
hand-written OpenAPI 3 description at ``/api/openapi.json`` (``openapi.py``). Only what the
public pages show: public elections, approved candidacies, published results, counts.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import slug_re
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from elections.models import CandidacyState, Contest, Election
from elections.results import exports, selectors
from elections.results.models import Result, ResultFileKind
from elections.results.openapi import openapi_document
from elections.results.permissions import elections_with_hidden_results, may_see_results
from elections.selectors import contest_appointment, elections_visible_to
from elections.voting.selectors import election_turnout_in_people, turnout

API_VERSION = "1"


def _json(request: HttpRequest, payload: Any, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # read-only public data, no credentials
    return response


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def _election_summary(request: HttpRequest, election: Election) -> dict[str, Any]:
    return {
        "slug": election.slug,
        "name": election.name,
        "phase": election.phase,
        "nominations_opens_at": election.nominations_opens_at.isoformat(),
        "nominations_closes_at": election.nominations_closes_at.isoformat(),
        "polling_opens_at": election.polling_opens_at.isoformat(),
        "polling_closes_at": election.polling_closes_at.isoformat(),
        "url": _url(request, "api_election", slug=election.slug),
        "html_url": _url(request, "election_detail", slug=election.slug),
        "results_url": _url(request, "results_election", slug=election.slug),
    }


def _contest_summary(request: HttpRequest, contest: Contest) -> dict[str, Any]:
    return {
        "slug": contest.slug,
        "name": contest.name,
        "kind": contest.kind,
        "seats": contest.seats,
        "method": contest.method,
        "state": contest.state,
        "max_per_affiliation": contest.max_per_affiliation,
        # The commitment only: the seed itself is in the published result (tie_seed).
        "tie_seed_sha256": contest.tie_seed_sha256,
        # "appointment needed" becomes who was appointed, once an official records it.
        "appointment": _appointment(contest),
        "url": _url(
            request, "api_contest", election_slug=contest.election.slug, contest_slug=contest.slug
        ),
    }


def _appointment(contest: Contest) -> dict[str, Any] | None:
    appointment = contest_appointment(contest)  # no query unless nobody stood
    if appointment is None:
        return None
    return {
        "name": appointment.appointee.display_name,
        "appointed_by": appointment.appointed_by,
        "appointed_on": appointment.appointed_on.isoformat(),
        "reference": appointment.reference,
        "outcome": f"appointed: {appointment.appointee.display_name} by {appointment.appointed_by}",
    }


def _candidates(contest: Contest) -> list[dict[str, Any]]:
    if contest.has_candidates:
        return [
            {
                "key": candidacy.choice_key,
                "name": candidacy.candidate.display_name,
                "affiliation": candidacy.affiliation,
            }
            for candidacy in contest.candidacies.filter(state=CandidacyState.APPROVED)
            .select_related("candidate")
            .order_by("pk")
        ]
    return [
        {"key": option.choice_key, "name": option.name, "affiliation": ""}
        for option in contest.options.order_by("pk")
    ]


def _result_payload(request: HttpRequest, result: Result) -> dict[str, Any]:
    contest = result.contest
    document = exports.result_document(result)
    document["published_at"] = result.published_at.isoformat() if result.published_at else None
    document["html_url"] = request.build_absolute_uri(result.get_absolute_url())
    document["files"] = {
        kind: _url(
            request,
            "results_file",
            election_slug=contest.election.slug,
            contest_slug=contest.slug,
            kind=kind,
        )
        for kind in ResultFileKind.values
    }
    return document


# Results kept for the electorate (``may_see_results``): the results page answers outsiders
# 403, and so does every API answer about them, the turnout included.
RESULTS_FOR_THE_ELECTORATE = "The results of this election are for its electorate only."


def _refused(request: HttpRequest) -> JsonResponse:
    return _json(request, {"detail": RESULTS_FOR_THE_ELECTORATE}, status=403)


def _turnout(contest: Contest) -> dict[str, Any]:

    counts = turnout(contest)
    return {
        "contest": contest.slug,
        "ballots": counts.voted,
        "electorate": counts.electorate,
        "percent": counts.percent,
    }


@require_GET
def api_index(request: HttpRequest) -> JsonResponse:
    return _json(
        request,
        {
            "version": API_VERSION,
            "elections": _url(request, "api_elections"),
            "results": _url(request, "api_results"),
            "openapi": _url(request, "api_openapi"),
        },
    )


@require_GET
def api_elections(request: HttpRequest) -> JsonResponse:
    elections = elections_visible_to(request.user).order_by("-polling_opens_at", "name")
    return _json(
        request, {"elections": [_election_summary(request, election) for election in elections]}
    )


@require_GET
def api_election(request: HttpRequest, slug: str) -> JsonResponse:
    election = get_object_or_404(elections_visible_to(request.user), slug=slug)
    payload = _election_summary(request, election)
    payload["contests"] = [
        _contest_summary(request, contest)
        for contest in election.contests.select_related("election").order_by("kind", "name")
    ]
    payload["turnout_url"] = _url(request, "api_election_turnout", slug=election.slug)
    return _json(request, payload)


@require_GET
def api_contest(request: HttpRequest, election_slug: str, contest_slug: str) -> JsonResponse:
    election = get_object_or_404(elections_visible_to(request.user), slug=election_slug)
    contest = get_object_or_404(
        Contest.objects.select_related("election"), election=election, slug=contest_slug
    )
    payload = _contest_summary(request, contest)
    payload["election"] = election.slug
    payload["candidates"] = _candidates(contest)
    payload["turnout"] = _turnout(contest)
    result = selectors.published_result(contest)
    if not may_see_results(request.user, election):
        # Kept for the electorate: the contest is public, its result and turnout are not.
        result = None
        payload["turnout"] = None
        payload["results_electorate_only"] = True
    payload["result"] = _result_payload(request, result) if result is not None else None
    return _json(request, payload)


@require_GET
def api_election_turnout(request: HttpRequest, slug: str) -> JsonResponse:
    election = get_object_or_404(elections_visible_to(request.user), slug=slug)
    if not may_see_results(request.user, election):
        return _refused(request)
    contests = list(election.contests.select_related("election").order_by("kind", "name"))
    rows = [_turnout(contest) for contest in contests]
    # The election's figure counts people over its polled contests (the results page's too).
    people = election_turnout_in_people(election)
    return _json(
        request,
        {
            "election": election.slug,
            "contests": rows,
            "ballots": people.ballots,
            "electorate": people.electorate,
            "voters": people.voted,
            "percent": people.percent,
        },
    )


@require_GET
def api_results(request: HttpRequest) -> JsonResponse:
    hidden = elections_with_hidden_results(request.user)
    results = selectors.published_results().exclude(contest__election_id__in=hidden)
    election_slug = request.GET.get("election")
    if election_slug:
        if not slug_re.match(election_slug):
            # Not a slug (a NUL in it would even make PostgreSQL refuse the query): no such
            # election, as for any other unknown slug.
            raise Http404("No such election.")
        election = get_object_or_404(elections_visible_to(request.user), slug=election_slug)
        if election.pk in hidden:
            return _refused(request)
        results = selectors.published_results(election=election)
    return _json(request, {"results": [_result_payload(request, result) for result in results]})


@require_GET
def api_openapi(request: HttpRequest) -> JsonResponse:
    return _json(request, openapi_document(server_url=request.build_absolute_uri("/api")))
