"""Publishing and unpublishing results, and moving the election along as they are."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import audit_record
from audit.selectors import audit_head_at
from config.queue import enqueue_on_commit
from elections.actions import election_phase_move, election_results_withdrawn
from elections.models import ContestState, Election, Phase
from elections.results import exports, selectors
from elections.results.actions.errors import ResultError, authorise
from elections.results.models import (
    Result,
    ResultFile,
    ResultFileKind,
    ResultState,
)


@transaction.atomic
def result_publish(*, result: Result, actor: Any) -> Result:
    """Make a draft result public; a result published earlier for the contest is withdrawn."""
    result = Result.objects.select_for_update().select_related("contest").get(pk=result.pk)
    authorise(actor, result.contest)
    if result.state == ResultState.PUBLISHED:
        raise ResultError("This result is already published.")
    now = timezone.now()
    for earlier in Result.objects.select_for_update().filter(
        contest=result.contest, state=ResultState.PUBLISHED
    ):
        _unpublish(earlier, actor=actor, reason=f"Superseded by result {result.pk}.", now=now)
    contest = result.contest
    entry = audit_record(
        actor=actor,
        action="result.publish",
        target=f"result:{result.pk}",
        detail={"contest": contest.pk, "winners": result.winners},
    )
    # The head is the publish entry itself: it vouches for the whole log up to this result.
    head = audit_head_at(entry)
    result.state = ResultState.PUBLISHED
    result.published_at = now
    result.audit_head = head.entry_hash
    result.audit_position = head.position
    result.save(update_fields=["state", "published_at", "audit_head", "audit_position"])
    _result_json_refresh(result)
    _election_follow_contests_on_commit(contest.election)
    return result


def _result_json_refresh(result: Result) -> None:
    # The result JSON was made with the count, before any head existed; it is made again so
    # the file people download and keep carries the head recorded at publication. Its new
    # hash is stored with it, as for any file.
    content = exports.result_json(result)
    ResultFile.objects.filter(result=result, kind=ResultFileKind.RESULT_JSON).update(
        content=content, sha256=hashlib.sha256(content.encode("utf-8")).hexdigest()
    )


def _election_follow_contests_on_commit(election: Election) -> None:
    # After the commit, in a transaction of its own: two workers tallying the last two
    # contests of an election each see the other's contest still closed inside their own
    # transaction, but whichever commits last sees both tallied.
    # The sweep (results.tally_closed_contests) follows every closed or tallied election too.
    enqueue_on_commit("results.follow_election", election.pk)


@transaction.atomic
def election_follow_contests(*, election_id: int) -> None:
    """Move the election along its calendar when its contests' results allow it.

    Closed → tallied once no contest awaits its tally; tallied → published once every polled
    contest has a published result (the phase machine then marks the contests published).
    Safe to call at any time: it only makes moves the phase machine allows.
    """
    election = Election.objects.get(pk=election_id)
    contests = list(election.contests.all())
    if election.phase == Phase.CLOSED and all(
        contest.state != ContestState.CLOSED for contest in contests
    ):
        election = election_phase_move(
            election=election,
            to_phase=Phase.TALLIED,
            actor=None,
            reason="Every contest is tallied.",
        )
    if election.phase == Phase.TALLIED:
        polled = [c for c in contests if c.state not in selectors.SETTLED_WITHOUT_POLL]
        published = set(
            Result.objects.published()
            .filter(contest__in=polled)
            .values_list("contest_id", flat=True)
        )
        if all(contest.pk in published for contest in polled):
            election_phase_move(
                election=election,
                to_phase=Phase.PUBLISHED,
                actor=None,
                reason="Every contest's result is published.",
            )


def _unpublish(result: Result, *, actor: Any, reason: str, now: Any) -> None:
    result.state = ResultState.DRAFT
    result.unpublished_at = now
    result.unpublish_reason = reason
    result.save(update_fields=["state", "unpublished_at", "unpublish_reason"])
    audit_record(
        actor=actor,
        action="result.unpublish",
        target=f"result:{result.pk}",
        detail={"contest": result.contest_id, "reason": reason},
    )


@transaction.atomic
def result_unpublish(*, result: Result, actor: Any, reason: str) -> Result:
    """Take a published result down again; the reason is recorded and shown to officials."""
    reason = reason.strip()
    if not reason:
        raise ResultError("Give a reason for taking the result down.")
    result = Result.objects.select_for_update().select_related("contest").get(pk=result.pk)
    authorise(actor, result.contest)
    if result.state != ResultState.PUBLISHED:
        raise ResultError("This result is not published.")
    _unpublish(result, actor=actor, reason=reason, now=timezone.now())
    # A published election goes back to tallied (its contests too), through the phase
    # machine: no page may say "published" beside a result that is not. Publishing again
    # moves it forward (election_follow_contests).
    election_results_withdrawn(
        election=result.contest.election,
        actor=actor,
        reason=f"Result {result.pk} of {result.contest.name} taken down: {reason}",
    )
    return result
