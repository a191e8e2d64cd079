"""Public results pages and the published files."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject

from accounts.models import Team
from elections.models import Contest, Election
from elections.results import history, permissions, presentation, selectors
from elections.results.models import Result, ResultFileKind
from elections.selectors import elections_visible_to
from elections.voting.selectors import election_turnout_in_people


def results_index(request: HttpRequest) -> HttpResponse:
    """Every election with published results, newest first (those whose results are for
    their electorate only left out for anyone else)."""
    hidden = permissions.elections_with_hidden_results(request.user)
    return render(
        request,
        "results/index.html",
        {
            "elections": selectors.elections_with_results().exclude(pk__in=hidden),
            "latest": selectors.published_results().exclude(contest__election_id__in=hidden)[:10],
        },
    )


RESULTS_FOR_THE_ELECTORATE = (
    "The results of this election are for the people on its rolls only. Sign in with an "
    "address on a roll to see them."
)


def _public_election(request: HttpRequest, slug: str) -> Election:
    """The election, unless it is a draft and the viewer no official (404 then), or its
    results are for its electorate and the viewer is not on a roll (403 then)."""
    election = get_object_or_404(elections_visible_to(request.user), slug=slug)
    if not permissions.may_see_results(request.user, election):
        raise PermissionDenied(RESULTS_FOR_THE_ELECTORATE)
    return election


def election_results(request: HttpRequest, slug: str) -> HttpResponse:
    """All contests of one election: winners, acclamations, turnout."""
    election = _public_election(request, slug)
    outcomes = selectors.election_outcomes(election)
    return render(
        request,
        "results/election.html",
        {
            "election": election,
            "outcomes": outcomes,
            "turnout": election_turnout_in_people(election),
        },
    )


def _contest_and_result(
    request: HttpRequest, election_slug: str, contest_slug: str
) -> tuple[Contest, Result]:
    """The contest's published result; officials who may act on it also see the draft."""
    election = _public_election(request, election_slug)
    contest = get_object_or_404(
        Contest.objects.select_related("election"), election=election, slug=contest_slug
    )
    result = selectors.published_result(contest)
    if result is None and permissions.can_act_on_results(request.user, contest):
        result = selectors.latest_result(contest)
    if result is None:
        raise Http404("No published result for this contest.")
    return contest, result


def contest_result(request: HttpRequest, election_slug: str, contest_slug: str) -> HttpResponse:
    """One contest's result: winners, full ranking, pairwise table, files to re-count."""
    contest, result = _contest_and_result(request, election_slug, contest_slug)
    return render(
        request,
        "results/contest.html",
        {
            "election": contest.election,
            "contest": contest,
            "result": result,
            # Worked out only when the count is not in the template's cache already.
            "ranking_rows": SimpleLazyObject(lambda: presentation.ranking_rows(result)),
            "pairwise_rows": SimpleLazyObject(lambda: presentation.pairwise_rows(result)),
            "files": selectors.result_files(result),
        },
    )


def result_file(
    request: HttpRequest, election_slug: str, contest_slug: str, kind: str
) -> HttpResponse:
    """A published file, byte for byte as it was hashed."""
    if kind not in ResultFileKind.values:
        raise Http404("No such file.")
    contest, result = _contest_and_result(request, election_slug, contest_slug)
    stored = selectors.result_file(result, kind)
    if stored is None:
        raise Http404("No such file.")
    response = HttpResponse(stored.content.encode("utf-8"), content_type=stored.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    response["X-Content-SHA256"] = stored.sha256
    return response


def team_history(request: HttpRequest, team_slug: str) -> HttpResponse:
    """A team's leadership across cycles: outcome, winner and turnout where known."""
    team = get_object_or_404(Team, slug=team_slug)
    return render(
        request,
        "results/team_history.html",
        {"team": team, "cycles": history.team_history(team, user=request.user)},
    )
