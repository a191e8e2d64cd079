"""The commit pipeline: git logs read in forked processes and streamed through a pipe to the
process that stores them."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.db import connection

from accounts import conf
from accounts.actions.errors import INPUT_ERRORS, Progress
from accounts.actions.storage import _EMAIL_MAX, _NAME_MAX, Row, _copy_text, _store, ingest_atomic
from accounts.commitlog import (
    CommitRecord,
    Contact,
    apply_mailmap,
    map_contacts,
)
from accounts.gitsource import GitSourceError
from accounts.models import (
    Contribution,
    ContributionKind,
    ContributionSource,
    IngestState,
    Repository,
)

logger = logging.getLogger(__name__)


# --- Commits from git --------------------------------------------------------------------


@dataclass(frozen=True)
class RepositoryIngest:
    repository: str
    head: str
    commits: int
    stored: int
    full: bool
    unchanged: bool


@dataclass(frozen=True)
class CommitsIngestReport:
    repositories: tuple[RepositoryIngest, ...]
    failures: tuple[tuple[str, str], ...]

    @property
    def stored(self) -> int:
        return sum(r.stored for r in self.repositories)


MailmapLookup = Callable[[list[Contact]], Mapping[Contact, Contact]]


@dataclass(frozen=True)
class CommitSource:
    """One repository's commits for one ingest, and the state to record once stored."""

    repository: Repository
    records: Callable[[], Iterable[CommitRecord]]
    mailmap: MailmapLookup | None = None
    head: str = ""
    mailmap_blob: str = ""
    # The ``IngestState.last_sha`` this source was planned from: finding another one when
    # storing means a concurrent ingest got there first.
    planned_from: str = ""
    full: bool = True


def _map_contacts(path: Path, contacts: list[Contact]) -> Mapping[Contact, Contact]:
    return map_contacts(repository=path, contacts=contacts)


@dataclass(frozen=True)
class _Batch:
    commits: int
    count: int  # rows in the batch
    rows: list[Row]  # empty when only the COPY text is kept
    text: bytes | None


@dataclass(frozen=True)
class _End:
    error: BaseException | None


def commit_sources_store(
    *, sources: Sequence[CommitSource], progress: Progress | None = None
) -> tuple[list[RepositoryIngest], list[tuple[str, Exception]]]:
    """Store several repositories' commits, each repository in its own transaction.

    A producer runs ``git log``, parses, maps co-authors and formats the next batches while
    this thread writes the current ones, so on two cores Python and the database work side
    by side. On PostgreSQL (where batches travel as COPY text) the producer is a forked
    child process, so parsing and writing do not share the GIL; elsewhere it is a thread.
    The producer never touches the database. Returns what was stored and, by repository
    name, the input errors of those that failed (left unchanged).

    Long because starting, feeding and stopping the producer (and cleaning up after a
    failure) must stay in one place to be read and checked together.
    """
    bots = conf.bot_emails()
    batch_size = conf.ingest_batch_size()
    as_text = connection.vendor == "postgresql"
    feed: queue.Queue[tuple[int, _Batch | _End]] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def put(item: tuple[int, _Batch | _End]) -> bool:
        while not stop.is_set():
            try:
                feed.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    child: int | None = None
    if as_text and sources and hasattr(os, "fork"):
        receiver, sender = multiprocessing.Pipe(duplex=False)
        child = os.fork()
        if child == 0:  # the child: produce into the pipe, then leave without any cleanup
            status = 1
            try:
                receiver.close()
                # The parent's objects stay as they are: the collector no longer walks them
                # (nor copies their pages by touching them) while this child parses.
                gc.freeze()
                _produce(sources, bots, batch_size, as_text, partial(_send, sender))
                sender.close()
                status = 0
            finally:
                os._exit(status)
        sender.close()
        reader = threading.Thread(
            target=_relay,
            args=(receiver, put, len(sources)),
            name="commit-ingest-relay",
            daemon=True,
        )
    else:
        reader = threading.Thread(
            target=_produce,
            args=(sources, bots, batch_size, as_text, put),
            name="commit-ingest-reader",
            daemon=True,
        )
    reader.start()
    done: list[RepositoryIngest] = []
    failures: list[tuple[str, Exception]] = []
    total = 0
    try:
        for index, source in enumerate(sources):
            try:
                outcome = _store_source(source, index, feed, progress, total)
            except INPUT_ERRORS as error:
                failures.append((source.repository.name, error))
                continue
            done.append(outcome)
            total += outcome.stored
            if progress:
                progress(total)
    finally:
        stop.set()
        if child is not None:
            # Our own child, not yet reaped (so its id cannot have been reused): stop it if
            # it is still producing, which also ends the relay thread's read.
            os.kill(child, signal.SIGKILL)
        reader.join()
        if child is not None:
            os.waitpid(child, 0)
            receiver.close()
    return done, failures


def _produce(
    sources: Sequence[CommitSource],
    bots: frozenset[str],
    batch_size: int,
    as_text: bool,
    send: Callable[[tuple[int, _Batch | _End]], bool],
) -> None:
    """Every source's batches, each source closed by an ``_End`` (carrying its error)."""
    for index, source in enumerate(sources):
        error: BaseException | None = None
        try:
            for batch in _batches(source, bots, batch_size, as_text):
                if not send((index, batch)):
                    return
        except Exception as failure:  # noqa: BLE001 - handed over to the writing thread
            error = failure
        if not send((index, _End(error))):
            return


def _send(connection_end: Any, item: tuple[int, _Batch | _End]) -> bool:
    """Send one item from the producing child to the parent; false once the parent is gone."""
    index, payload = item
    try:
        try:
            connection_end.send(item)
        except (pickle.PicklingError, TypeError, AttributeError):
            if not isinstance(payload, _End) or payload.error is None:
                raise
            # An error that cannot cross the pipe goes over as its message.
            error = RuntimeError(f"{type(payload.error).__name__}: {payload.error}")
            connection_end.send((index, _End(error)))
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


def _relay(receiver: Any, put: Callable[[tuple[int, _Batch | _End]], bool], count: int) -> None:
    """Move the child's batches into the writer's queue (the writing thread's side)."""
    finished = 0
    while True:
        try:
            item = receiver.recv()
        except (EOFError, OSError):
            break
        if not put(item):
            return
        if isinstance(item[1], _End):
            finished = item[0] + 1
    # The child ended before closing every source (killed, out of memory): fail the rest.
    lost = RuntimeError("the commit reader process ended early")
    for index in range(finished, count):
        if not put((index, _End(lost))):
            return


def _batches(
    source: CommitSource, bots: frozenset[str], batch_size: int, as_text: bool
) -> Iterator[_Batch]:
    repository_id = source.repository.pk
    pending: list[CommitRecord] = []

    def flush() -> _Batch:
        co_authors = [c for record in pending for c in record.co_authors]
        mapping = source.mailmap(co_authors) if co_authors and source.mailmap else {}
        rows: list[Row] = []
        for record in apply_mailmap(pending, mapping):
            for contact in record.contributors():
                if contact.email in bots or len(contact.email) > _EMAIL_MAX:
                    continue
                rows.append(
                    (
                        repository_id,
                        ContributionKind.COMMIT,
                        ContributionSource.GIT,
                        record.sha,
                        contact.email,
                        contact.name[:_NAME_MAX],
                        record.committed_at,
                    )
                )
        if as_text:
            batch = _Batch(len(pending), len(rows), [], _copy_text(rows).encode("utf-8"))
        else:
            batch = _Batch(len(pending), len(rows), rows, None)
        pending.clear()
        return batch

    for record in source.records():
        pending.append(record)
        if len(pending) >= batch_size:
            yield flush()
    if pending:
        yield flush()


def _store_source(
    source: CommitSource,
    index: int,
    feed: queue.Queue[tuple[int, _Batch | _End]],
    progress: Progress | None,
    offset: int,
) -> RepositoryIngest:
    ended = False

    def batches() -> Iterator[_Batch]:
        nonlocal ended
        while True:
            position, item = feed.get()
            if position != index:
                raise RuntimeError(f"commit ingest out of step: {position} != {index}")
            if isinstance(item, _End):
                ended = True
                if item.error is not None:
                    raise item.error
                return
            yield item

    name = source.repository.name
    try:
        with ingest_atomic():
            state = (
                IngestState.objects.select_for_update().filter(repository=source.repository).first()
            )
            last = state.last_sha if state else ""
            if last != source.planned_from:
                raise GitSourceError(
                    f"repository {name} was ingested by another run meanwhile; run again"
                )
            if source.full and state is not None:
                Contribution.objects.filter(
                    repository=source.repository, source=ContributionSource.GIT
                ).delete()
            # Nothing stored yet (a first ingest): no row can conflict, since git lists each
            # commit once and ``contributors()`` each address once per commit.
            fresh = not Contribution.objects.filter(repository=source.repository).exists()
            commits = stored = 0
            for batch in batches():
                commits += batch.commits
                stored += _store(batch.rows, fresh=fresh, text=batch.text, count=batch.count)
                if progress:
                    progress(offset + stored)
            if state is None:
                state = IngestState(repository=source.repository)
            state.last_sha, state.mailmap_blob = source.head, source.mailmap_blob
            state.save()
    finally:
        # Leave the queue at the next repository's first batch, whatever happened here.
        while not ended:
            position, item = feed.get()
            ended = position == index and isinstance(item, _End)
    return RepositoryIngest(name, source.head, commits, stored, full=source.full, unchanged=False)
