"""Counting: the close-and-count of a contest, the tally itself, and the progress of tally runs."""

from __future__ import annotations

import hashlib
import struct
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from audit.actions import audit_record
from config.queue import enqueue_on_commit
from elections.actions import contest_mark_tallied
from elections.models import Contest, ContestState
from elections.results import conf, counting, exports, selectors
from elections.results.actions.errors import BallotsChanged, ResultError, authorise
from elections.results.actions.publication import (
    _election_follow_contests_on_commit,
    result_publish,
)
from elections.results.models import (
    Result,
    ResultFile,
    ResultFileKind,
    TallyRun,
    TallyRunState,
)
from elections.voting.actions import VotingError, ballots_seal
from elections.voting.sealed import copy_binary_in

# Threads that write a tally's published files while its ballots are hashed and counted.
FILE_THREADS = 2

TALLY_STATES = (ContestState.CLOSED, ContestState.TALLIED, ContestState.PUBLISHED)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def count_rules(contest: Contest, choices: Any) -> counting.CountRules:
    return counting.CountRules(
        seats=contest.seats,
        method=contest.method,
        tie_seed=contest.tie_seed,
        affiliations=tuple(choice.affiliation for choice in choices),
        max_per_affiliation=contest.max_per_affiliation,
        seats_held=tuple(sorted(contest.seated_affiliations.items())),
    )


def check_tallyable(contest: Contest) -> None:
    """Raise ResultError unless the contest's poll is closed and its ballot box sealed."""
    if contest.state not in TALLY_STATES:
        raise ResultError(
            f"{contest.name} cannot be tallied while it is "
            f"{contest.get_state_display().lower()}: its poll must be closed first."
        )
    if not selectors.ballot_box_sealed(contest):
        raise ResultError(
            f"The ballot box of {contest.name} is not sealed yet: a worker seals it after the "
            "close, before its ballots are counted."
        )


@transaction.atomic
def result_tally(
    *,
    contest: Contest,
    actor: Any = None,
    pairwise: counting.PartialCount | None = None,
) -> Result:
    """Count the contest's ballots and store the Result with its published files.

    Idempotent: when a Result for these exact ballots exists it is returned unchanged. The
    contest row is locked (``SELECT ... FOR UPDATE``) so two workers never store a tally of one
    contest at the same time. ``pairwise`` is the sum of a chunked tally's partial counts; it
    is used only if its ballots are exactly the contest's ballots (same number, same multiset
    digest), else ``BallotsChanged`` is raised and the tally starts again. Reading, counting
    and storing happen under that one lock and in one transaction.
    """
    contest = (
        Contest.objects.select_for_update(of=("self",))
        .select_related("election")
        .get(pk=contest.pk)
    )
    check_tallyable(contest)
    matrix = selectors.contest_ballot_matrix(
        contest, trackers=contest.election.publish_trackers, receipts=True
    )
    with ThreadPoolExecutor(max_workers=FILE_THREADS) as pool:
        # The published files are written by numpy, which lets go of the interpreter's lock
        # for its long steps: on a machine of several cores they are made while this thread
        # hashes the ballots and counts them.
        made = _files_start(pool, matrix, trackers=contest.election.publish_trackers)
        multiset = selectors.ballot_multiset_sum(matrix.ranks)
        digest = selectors.ballot_set_sha256(matrix.names, matrix.ranks, multiset=multiset)
        existing = selectors.result_for_ballot_set(contest, digest)
        if existing is not None:
            for future in made.values():
                future.cancel()
            return existing
        result, stored = _count_and_store(contest, matrix, digest, multiset, pairwise, made)
    if stored:
        _after_tally(contest, result, actor=actor, chunked=pairwise is not None)
    return result


def _files_start(
    pool: ThreadPoolExecutor, matrix: Any, *, trackers: bool
) -> dict[str, Future[str]]:
    """The published ballot files of ``matrix``, started in ``pool``."""
    made = {
        ResultFileKind.BALLOTS_PREFLIB: pool.submit(
            exports.ballots_preflib, matrix.names, matrix.ranks
        ),
        ResultFileKind.BALLOTS_CSV: pool.submit(exports.ballots_csv, matrix.names, matrix.ranks),
        ResultFileKind.RECEIPTS: pool.submit(exports.receipts_text, matrix.receipt_hashes),
    }
    if trackers:
        made[ResultFileKind.TRACKERS] = pool.submit(
            exports.trackers_csv, matrix.names, matrix.trackers, matrix.ranks
        )
    return made


def _count_and_store(
    contest: Contest,
    matrix: Any,
    digest: str,
    multiset: int,
    pairwise: counting.PartialCount | None,
    made: dict[str, Future[str]],
) -> tuple[Result, bool]:
    """Count the ballots (or rank the chunks' sum), store the Result and its files; False
    with the Result another process stored for the same ballots meanwhile."""

    rules = count_rules(contest, matrix.choices)
    if pairwise is None:
        count = counting.count_ballots(matrix.names, matrix.ranks, rules)
    else:
        if pairwise.ballot_count != matrix.ballot_count or pairwise.multiset != multiset:
            raise BallotsChanged(
                f"The chunks of the count of {contest.name} did not cover its ballots exactly "
                "once (they were rewritten during the count)."
            )
        count = counting.count_from_pairwise(matrix.names, pairwise, rules)
    electorate = selectors.electorate_size(contest)
    ballots_csv = made[ResultFileKind.BALLOTS_CSV].result()
    result = Result(
        contest=contest,
        ballot_set_sha256=digest,
        method=contest.method,
        seats=contest.seats,
        candidates=[
            {"key": choice.key, "name": name, "affiliation": choice.affiliation}
            for choice, name in zip(matrix.choices, matrix.names, strict=True)
        ],
        ranking=count.ranking,
        winners=count.winners,
        pairwise=count.pairwise,
        strongest_paths=count.strongest_paths,
        condorcet_winner=count.condorcet_winner,
        smith_set=count.smith_set,
        tie_seed=contest.tie_seed,
        tie_breaks=count.tie_breaks,
        unresolved_ties=count.unresolved_ties,
        locked_pairs=count.locked_pairs,
        affiliation_adjustments=count.affiliation_adjustments,
        ballot_count=count.ballot_count,
        electorate_size=electorate,
        turnout_percent=selectors.turnout_percent(count.ballot_count, electorate),
        ballot_file_sha256=_sha256(ballots_csv),
        engine_version=count.engine_version,
    )
    try:
        with transaction.atomic():
            result.save(force_insert=True)
    except IntegrityError:
        # Another process stored the same tally between our check and our insert.
        return Result.objects.get(contest=contest, ballot_set_sha256=digest), False
    _store_as_written(result, made)
    return result, True


def _store_as_written(result: Result, made: dict[str, Future[str]]) -> None:
    """Store each file once it is written (the CSV and the receipts first, the PrefLib file,
    the longest to write, last): PostgreSQL takes in one while the threads write the next;
    then the result JSON."""
    for kind in _STORED_ORDER:
        if kind in made:
            _store_file(result, kind, made[kind].result())
    _store_file(result, ResultFileKind.RESULT_JSON, exports.result_json(result))


_STORED_ORDER = (
    ResultFileKind.BALLOTS_CSV,
    ResultFileKind.RECEIPTS,
    ResultFileKind.TRACKERS,
    ResultFileKind.BALLOTS_PREFLIB,
)


def _store_file(result: Result, kind: str, content: str) -> None:
    """Store one file of the result with its sha256: on PostgreSQL with a binary COPY (tens
    of megabytes for a million ballots: half the time of an INSERT, whose text PostgreSQL
    would parse again), elsewhere through the ORM."""
    known = result.ballot_file_sha256 if kind == ResultFileKind.BALLOTS_CSV else ""
    sha256 = known or _sha256(content)
    if connection.vendor != "postgresql":
        ResultFile.objects.create(result=result, kind=kind, content=content, sha256=sha256)
        return
    with connection.cursor() as cursor:
        copy_binary_in(
            cursor.cursor,
            ResultFile._meta.db_table,
            ("result_id", "kind", "content", "sha256"),
            [
                (
                    struct.pack(">q", result.pk),
                    kind.encode("utf-8"),
                    content.encode("utf-8"),
                    sha256.encode("ascii"),
                )
            ],
        )


def _after_tally(contest: Contest, result: Result, *, actor: Any, chunked: bool) -> None:
    """A new result stored: the contest is tallied, the audit trail says so, and the result
    is published at once where the election asks for it."""
    if contest.state == ContestState.CLOSED:
        contest_mark_tallied(
            contest=contest,
            actor=actor,
            detail={"result": result.pk, "ballot_set_sha256": result.ballot_set_sha256},
        )
        _election_follow_contests_on_commit(contest.election)
    audit_record(
        actor=actor,
        action="result.tally",
        target=f"result:{result.pk}",
        detail={
            "contest": contest.pk,
            "ballot_set_sha256": result.ballot_set_sha256,
            "ballot_file_sha256": result.ballot_file_sha256,
            "ballot_count": result.ballot_count,
            "winners": result.winners,
            "engine_version": result.engine_version,
            "chunked": chunked,
        },
    )
    if conf.results_auto_publish() or contest.election.auto_publish_results:
        result_publish(result=result, actor=None)


@transaction.atomic
def result_tally_queue(*, contest: Contest, actor: Any = None) -> TallyRun:
    """Queue ``results.tally_contest`` for the contest once the current transaction commits.

    The run is recorded at once (state "queued") so officials see it in the panel.
    """
    authorise(actor, contest)
    check_tallyable(contest)
    task_id = str(uuid.uuid4())
    run = tally_run_queue(contest=contest, task_id=task_id)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    # Queued after the commit; if the broker is down then, the run stays "queued" and the
    # beat task (results.tally_closed_contests) queues the tally again once it is stale.
    # Progress is followed in the TallyRun row, not in Celery's result store: without
    # ignore_result, queueing would first subscribe to the result in Redis, and an official's
    # request would hang for Celery's reconnection attempts while Redis is down.
    enqueue_on_commit(
        "results.tally_contest", contest.pk, actor_id, task_id=task_id, ignore_result=True
    )
    audit_record(
        actor=actor,
        action="result.tally_queued",
        target=f"contest:{contest.pk}",
        detail={"task_id": task_id},
    )
    return run


@transaction.atomic
def contest_close_and_tally(*, contest: Contest, actor: Any = None) -> TallyRun | None:
    """What follows the close of a contest's poll, asked for by an official (or the CLI):
    queue the seal and the count, for a worker.

    A sealed contest's count is queued at once (returned). Otherwise
    ``results.seal_and_count`` is queued (None is returned): the seal decrypts and rewrites
    every ballot of the contest, which is never done in a web request. The close
    (``elections.actions.election_phase_move`` to "closed") and the
    ``results.tally_closed_contests`` sweep queue it as well.
    """

    contest = Contest.objects.select_related("election").get(pk=contest.pk)
    authorise(actor, contest)
    _check_closed(contest)
    if selectors.ballot_box_sealed(contest):
        return result_tally_queue(contest=contest, actor=actor)
    enqueue_on_commit("results.seal_and_count", contest.pk)
    return None


def contest_seal_and_tally(*, contest: Contest) -> TallyRun:
    """The system's part after the close (the ``results.seal_and_count`` task): seal the
    contest's ballot box (``elections.voting.actions.ballots_seal``; skipped when sealed),
    then queue its count.

    A seal that cannot be done (a ballot box whose ballots were changed in the database, or
    whose key is missing) is recorded for the officials as a failed tally run and an audit
    entry, and raised as ``ResultError``.
    """
    contest = Contest.objects.select_related("election").get(pk=contest.pk)
    _check_closed(contest)
    if not selectors.ballot_box_sealed(contest):
        try:
            ballots_seal(contest=contest)
        except VotingError as error:
            _record_seal_failure(contest, str(error))
            raise ResultError(str(error)) from error
    return result_tally_queue(contest=contest, actor=None)


def _check_closed(contest: Contest) -> None:
    if contest.state not in TALLY_STATES:
        raise ResultError(
            f"{contest.name} is {contest.get_state_display().lower()}: only a closed poll is "
            "tallied."
        )


@transaction.atomic
def _record_seal_failure(contest: Contest, error: str) -> None:
    """One failed run per contest says why its box is not sealed (kept up to date)."""
    run, created = TallyRun.objects.update_or_create(
        task_id=f"seal-{contest.pk}",
        defaults={"contest": contest, "state": TallyRunState.FAILED, "error": error},
    )
    if created:
        audit_record(
            actor=None,
            action="ballots.seal_refused",
            target=f"contest:{contest.pk}",
            detail={"error": error, "run": run.pk},
        )


# --- Tally progress, for the officials' panel ------------------------------------------------


@transaction.atomic
def tally_run_start(*, contest: Contest, task_id: str, ballot_count: int) -> TallyRun:
    """Record that a worker started counting (again, after a redelivery: same row)."""
    run, _ = TallyRun.objects.update_or_create(
        task_id=task_id,
        defaults={
            "contest": contest,
            "state": TallyRunState.RUNNING,
            "ballot_count": ballot_count,
            "error": "",
        },
    )
    return run


@transaction.atomic
def tally_run_queue(*, contest: Contest, task_id: str) -> TallyRun:
    run, _ = TallyRun.objects.get_or_create(
        task_id=task_id, defaults={"contest": contest, "state": TallyRunState.QUEUED}
    )
    return run


@transaction.atomic
def tally_run_fan_out(*, run: TallyRun, chunks: int) -> None:
    TallyRun.objects.filter(pk=run.pk).update(
        chunks_total=chunks, chunks_done=0, updated_at=timezone.now()
    )


def tally_run_chunk_done(*, run_id: int) -> None:
    TallyRun.objects.filter(pk=run_id).update(
        chunks_done=F("chunks_done") + 1, updated_at=timezone.now()
    )


@transaction.atomic
def tally_run_finish(*, run_id: int, result: Result) -> None:
    TallyRun.objects.filter(pk=run_id).update(
        state=TallyRunState.SUCCEEDED, result=result, error="", updated_at=timezone.now()
    )


@transaction.atomic
def tally_run_fail(*, run_id: int, error: str) -> None:
    TallyRun.objects.filter(pk=run_id).update(
        state=TallyRunState.FAILED, error=error[:2000], updated_at=timezone.now()
    )
