"""Where an election stands, in one dictionary: for ``manage.py election SLUG status`` and the
scripts of operators and acceptance tests (phase, the next step, each contest with its team,
state, candidates and turnout)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from elections.actions import legal_moves
from elections.models import Candidacy, Contest, ContestState, Election, Phase
from elections.results.models import ResultState
from elections.results.selectors import latest_result
from elections.voting.selectors import turnouts


def election_status(election: Election) -> dict[str, Any]:
    """The election's phase, what happens next and each contest's state and turnout."""
    contests = list(
        election.contests.select_related("team")
        .prefetch_related(
            Prefetch(
                "candidacies",
                queryset=Candidacy.objects.select_related("candidate").order_by("pk"),
            )
        )
        .order_by("pk")
    )
    # Each contest's latest result, read once: the contests' rows and the next step use it.
    results = {contest.pk: latest_result(contest) for contest in contests}
    return {
        "name": election.name,
        "slug": election.slug,
        "phase": election.phase,
        "phase_label": election.get_phase_display(),
        "legal_moves": legal_moves(election),
        "next_step": next_step(election, contests, results),
        "calendar": {
            "nominations_opens_at": election.nominations_opens_at,
            "nominations_closes_at": election.nominations_closes_at,
            "polling_opens_at": election.polling_opens_at,
            "polling_closes_at": election.polling_closes_at,
        },
        "contests": [
            _contest(turnout.contest, turnout, results[turnout.contest.pk])
            for turnout in turnouts(contests)
        ],
    }


def _contest(contest: Contest, turnout: Any, result: Any) -> dict[str, Any]:
    return {
        "id": contest.pk,
        "slug": contest.slug,
        "name": contest.name,
        "kind": contest.kind,
        "team": contest.team.slug if contest.team_id else None,
        "seats": contest.seats,
        "state": contest.state,
        "candidacies": [
            {
                "id": candidacy.pk,
                "name": candidacy.candidate.display_name,
                "state": candidacy.state,
            }
            for candidacy in contest.candidacies.all()
        ],
        "turnout": {"voted": turnout.voted, "electorate": turnout.electorate},
        "result": None
        if result is None
        else {"id": result.pk, "state": result.state, "winners": result.winners},
    }


def next_step(election: Election, contests: list[Contest], results: dict[int, Any]) -> str:
    """What the election waits for, in an official's words."""
    phase = election.phase
    if phase == Phase.DRAFT:
        return "Open nominations (phase nominations) once the calendar and contests are set."
    if phase in (Phase.NOMINATIONS, Phase.CAMPAIGNING):
        waiting = sum(
            1
            for c in contests
            for candidacy in c.candidacies.all()
            if candidacy.state == "submitted"
        )
        if waiting:
            return f"Review {waiting} submitted candidac{'y' if waiting == 1 else 'ies'}."
        return "Open polling (phase polling) when the calendar says so."
    if phase == Phase.POLLING:
        return "Close polling (phase closed): the polls are then sealed and counted."
    if phase == Phase.CLOSED:
        return "Wait for the counts (or run seal-and-count); the election then becomes tallied."
    if phase == Phase.TALLIED:
        drafts = [
            contest
            for contest in contests
            if contest.state == ContestState.TALLIED
            and results[contest.pk] is not None
            and results[contest.pk].state == ResultState.DRAFT
        ]
        return f"Publish the results ({len(drafts)} counted, unpublished)."
    return "Nothing: the results are published."
