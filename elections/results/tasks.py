"""Celery tasks that tally contests. Thin: each takes ids and calls the actions.

``results.tally_contest`` counts a contest in one process, or, above
``STACKVOTE_TALLY_CHUNK_SIZE`` ballots, fans out a chord of ``results.pairwise_chunk`` tasks
(one partial pairwise matrix per chunk of ballots, on any number of workers) whose sum
``results.tally_finish`` ranks. The pairwise matrix is a sum over ballots, so both ways give
the same result.

Safe to run twice: one Result per contest and ballot set (a unique constraint), a lock in the
cache so two workers never count one contest at once, and the contest row locked while the
result is stored. Late acknowledgement: a worker that dies mid-count leaves its message to be
delivered again, and the count simply starts over.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import chord, shared_task
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError

from accounts.models import User
from elections.models import Contest
from elections.results import actions, conf, counting, selectors

logger = logging.getLogger(__name__)

# Failures worth another try later: the database or the broker went away for a moment.
TRANSIENT_ERRORS = (DatabaseError, InterfaceError, ConnectionError, TimeoutError)
RETRY_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    # With the prefork pool a killed child process also sends its task back to the queue.
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}
# How long to wait before asking again when another worker holds a contest's lock.
LOCK_BUSY_COUNTDOWN = 3


def tally_lock_key(contest_id: int) -> str:
    return f"results:tally-lock:{contest_id}"


def _release_lock(contest_id: int, token: str) -> None:
    if cache.get(tally_lock_key(contest_id)) == token:
        cache.delete(tally_lock_key(contest_id))


def _record_failure(
    task: Any, error: Exception, *, run_id: int, contest_id: int, token: str
) -> None:
    """Show the error to officials; free the contest unless the task will be retried."""
    actions.tally_run_fail(run_id=run_id, error=f"{type(error).__name__}: {error}")
    will_retry = isinstance(error, TRANSIENT_ERRORS) and task.request.retries < task.max_retries
    if not will_retry:
        _release_lock(contest_id, token)


def _actor(actor_id: int | None) -> User | None:
    if actor_id is None:
        return None
    return User.objects.filter(pk=actor_id).first()


@shared_task(name="results.tally_contest", bind=True, **RETRY_OPTIONS)
def tally_contest(self: Any, contest_id: int, actor_id: int | None = None) -> int | None:
    """Tally one contest; returns the Result id (None when a chord finishes the work)."""
    token = str(self.request.id)
    key = tally_lock_key(contest_id)
    # The lock holds the id of the task that took it, so a redelivery of that same task
    # (its worker died) carries on instead of waiting for its own lock to expire.
    if not cache.add(key, token, timeout=conf.tally_lock_seconds()) and cache.get(key) != token:
        raise self.retry(countdown=LOCK_BUSY_COUNTDOWN, max_retries=None)
    contest = Contest.objects.select_related("election").get(pk=contest_id)
    ballot_count = selectors.contest_ballot_count(contest)
    run = actions.tally_run_start(contest=contest, task_id=token, ballot_count=ballot_count)
    try:
        chunk_size = conf.tally_chunk_size()
        if ballot_count <= chunk_size:
            result = actions.result_tally(contest=contest, actor=_actor(actor_id))
            actions.tally_run_finish(run_id=run.pk, result=result)
            _release_lock(contest_id, token)
            return result.pk
        actions.check_tallyable(contest)
        # The sealed box cannot change, so a result counted since the seal is this one; the
        # chunks need not read a million ballots again to find it.
        existing = selectors.result_since_seal(contest, ballot_count=ballot_count)
        if existing is not None:
            actions.tally_run_finish(run_id=run.pk, result=existing)
            _release_lock(contest_id, token)
            return existing.pk
        # Equal ranges of the random ballot ids: about chunk_size ballots each.
        parts = -(-ballot_count // chunk_size)
        actions.tally_run_fan_out(run=run, chunks=parts)
        header = [pairwise_chunk.s(contest_id, part, parts, run.pk, token) for part in range(parts)]
        chord(header)(tally_finish.s(contest_id, run.pk, actor_id, token))
        return None
    except actions.ResultError as error:
        # Nothing to retry: the contest is not ready. Officials see why in the panel.
        actions.tally_run_fail(run_id=run.pk, error=str(error))
        _release_lock(contest_id, token)
        logger.warning("Tally of contest %s refused: %s", contest_id, error)
        return None
    except Exception as error:
        _record_failure(self, error, run_id=run.pk, contest_id=contest_id, token=token)
        raise


@shared_task(name="results.pairwise_chunk", bind=True, **RETRY_OPTIONS)
def pairwise_chunk(
    self: Any, contest_id: int, part: int, parts: int, run_id: int, token: str
) -> dict[str, Any]:
    """The pairwise matrix of the ballots in range ``part`` of ``parts`` of a contest's ballot
    ids, read from the database by this worker, with the number and the multiset digest of
    the ballots it counted: a C×C matrix and two numbers are all that travel back."""
    try:
        contest = Contest.objects.get(pk=contest_id)
        ranks = selectors.contest_ballot_chunk(contest, part=part, parts=parts)
        partial = counting.PartialCount(
            pairwise=counting.pairwise_matrix(ranks),
            ballot_count=int(ranks.shape[0]),
            multiset=selectors.ballot_multiset_sum(ranks),
        )
    except Exception as error:
        # The chord's final task never runs when a chunk fails for good.
        _record_failure(self, error, run_id=run_id, contest_id=contest_id, token=token)
        raise
    actions.tally_run_chunk_done(run_id=run_id)
    return partial.as_json()


@shared_task(name="results.tally_finish", bind=True, **RETRY_OPTIONS)
def tally_finish(
    self: Any,
    partials: list[dict[str, Any]],
    contest_id: int,
    run_id: int,
    actor_id: int | None,
    token: str,
) -> int | None:
    """Add the chunks' matrices, rank, and store the Result."""
    contest = Contest.objects.select_related("election").get(pk=contest_id)
    size = len(contest.ballot_choices())
    try:
        result = actions.result_tally(
            contest=contest,
            actor=_actor(actor_id),
            pairwise=counting.add_partials(partials, size),
        )
    except actions.BallotsChanged as error:
        actions.tally_run_fail(run_id=run_id, error=str(error))
        _release_lock(contest_id, token)
        tally_contest.delay(contest_id, actor_id)
        return None
    except actions.ResultError as error:
        actions.tally_run_fail(run_id=run_id, error=str(error))
        _release_lock(contest_id, token)
        return None
    except Exception as error:
        _record_failure(self, error, run_id=run_id, contest_id=contest_id, token=token)
        raise
    actions.tally_run_finish(run_id=run_id, result=result)
    _release_lock(contest_id, token)
    return result.pk


@shared_task(name="results.seal_and_count", **RETRY_OPTIONS)
def seal_and_count(contest_id: int) -> int | None:
    """Queued by the close of polling: seal the contest's ballot box and queue its count, as
    the system. Safe to run twice (a sealed box is not sealed again; a counted contest is
    left alone)."""
    contest = Contest.objects.filter(pk=contest_id).first()
    if contest is None:
        return None
    # An unsealed box is sealed whatever its earlier runs did (an official asks again after
    # a refused seal); a sealed one is counted only when no count is under way.
    if selectors.ballot_box_sealed(contest) and not selectors.awaits_tally(contest):
        return None
    try:
        run = actions.contest_seal_and_tally(contest=contest)
    except actions.ResultError as error:
        logger.warning("Contest %s not tallied: %s", contest_id, error)
        return None
    return run.pk


@shared_task(name="results.follow_election", ignore_result=True)
def follow_election(election_id: int) -> None:
    """Move an election on to tallied or published once its contests' results allow it."""
    actions.election_follow_contests(election_id=election_id)


@shared_task(name="results.tally_closed_contests", acks_late=True)
def tally_closed_contests() -> list[int]:
    """Celery beat, the sweep behind the close: start the tally of every contest whose poll
    has closed and that is neither counted nor being counted, and move on every election
    whose contests are all counted. Returns the ids of the contests it started."""
    started: list[int] = []
    for contest in selectors.contests_awaiting_tally():
        try:
            actions.contest_seal_and_tally(contest=contest)
        except actions.ResultError as error:
            logger.warning("Contest %s not tallied: %s", contest.pk, error)
            continue
        started.append(contest.pk)
    for election_id in selectors.elections_awaiting_results():
        actions.election_follow_contests(election_id=election_id)
    return started
