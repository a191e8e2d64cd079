"""Every change to eligibility data: governance imports, ingests, voters, frozen rolls.

Each service is keyword-only and atomic; an import that fails leaves the data as it was.
Errors a person can cause (a bad file, a missing repository, an unknown team) raise
exceptions whose message names the file, line or repository.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts import conf
from accounts.commitlog import (
    CommitLogError,
    CommitRecord,
    Contact,
    GerritFormatError,
    apply_mailmap,
    map_contacts,
    normalise_email,
    parse_gerrit_query,
    read_git_log,
)
from accounts.electorate import Voter, Window
from accounts.gitsource import GitSourceError, head_commit, is_ancestor, locate, mailmap_blob
from accounts.governance import (
    FileKind,
    GovernanceError,
    GovernanceFile,
    parse_governance_file,
)
from accounts.governance import Team as GovernanceTeam
from accounts.models import (
    Contribution,
    ContributionKind,
    ContributionSource,
    ExtraVoter,
    ExtraVoterSource,
    IngestRun,
    IngestState,
    Repository,
    Roll,
    RollAddress,
    RollEntry,
    Team,
    TeamKind,
    TeamRepository,
    User,
    VoterExclusion,
)

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]

# Errors caused by the input (a file, a repository), reported to whoever started the work.
INPUT_ERRORS: tuple[type[Exception], ...] = (
    GovernanceError,
    CommitLogError,
    GerritFormatError,
    GitSourceError,
)


class EligibilityError(ValueError):
    """A request that cannot be carried out as asked (unknown team, bad address, ...)."""


# --- Governance ------------------------------------------------------------------------

_IMPORT_ORDER = {FileKind.OFFICIAL: 0, FileKind.TC: 1, FileKind.SIG: 2, FileKind.LEGACY: 3}
# Renames are recognised when a vanished team and a new one share most repositories.
_RENAME_OVERLAP = 0.5


@dataclass(frozen=True)
class GovernanceImportReport:
    files: tuple[str, ...]
    created: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]
    unlisted: tuple[str, ...]
    teams: int
    ownerships: int
    extra_voters: int


def governance_import(*, paths: Sequence[str | Path]) -> GovernanceImportReport:
    """Import governance files (projects.yaml, technical-committee-repos.yaml, sigs-repos.yaml,
    legacy.yaml) as a whole: every file is parsed before anything is written, and all of
    them are written in one transaction.

    Re-importing updates teams, recognises renames (same repositories under a new name) and
    marks teams that left their file as unlisted; repository ownership from each file is
    replaced, while contributions (which belong to repositories) are never touched.
    """
    if not paths:
        raise EligibilityError("Name at least one governance file.")
    parsed = [parse_governance_file(path) for path in paths]
    for document in parsed:
        _check_fits(document)
    kinds: dict[FileKind, str] = {}
    for document in parsed:
        if document.kind in kinds:
            raise EligibilityError(
                f"{document.source} and {kinds[document.kind]} are both {document.kind} files"
            )
        kinds[document.kind] = document.source
    created: list[str] = []
    renamed: list[tuple[str, str]] = []
    unlisted: list[str] = []
    ownerships = extra = teams = 0
    with transaction.atomic():
        for document in sorted(parsed, key=lambda d: _IMPORT_ORDER[d.kind]):
            outcome = _import_file(document)
            created += outcome.created
            renamed += outcome.renamed
            unlisted += outcome.unlisted
            ownerships += outcome.ownerships
            extra += outcome.extra_voters
            teams += outcome.teams
    return GovernanceImportReport(
        files=tuple(d.source for d in parsed),
        created=tuple(created),
        renamed=tuple(renamed),
        unlisted=tuple(unlisted),
        teams=teams,
        ownerships=ownerships,
        extra_voters=extra,
    )


def _check_fits(document: GovernanceFile) -> None:
    """A value the tables cannot hold (too long, or a NUL that YAML's "\\0" lets through) is
    an error in the file, named by its line, not a database error halfway through the import.
    """

    def check(value: str, model: type[Any], field: str, line: int, what: str) -> None:
        limit = model._meta.get_field(field).max_length
        if "\x00" in value:
            raise GovernanceError(document.source, line, f"{what} contains a NUL character")
        if limit is not None and len(value) > limit:
            raise GovernanceError(
                document.source, line, f"{what} is longer than {limit} characters"
            )

    for team in document.teams:
        label = f"team name {team.name[:40]!r}"
        check(team.name, Team, "name", team.line, label)
        check(slugify(team.name), Team, "slug", team.line, f"the short name of {label}")
        check(team.leadership_type, Team, "leadership_type", team.line, "leadership_type")
        if team.ptl is not None:
            check(team.ptl.name, Team, "ptl_name", team.line, "the PTL's name")
            check(team.ptl.email, Team, "ptl_email", team.line, "the PTL's e-mail")
        for repo in team.repositories:
            check(repo.name, Repository, "name", repo.line, "a repository name")
            check(repo.deliverable, TeamRepository, "deliverable", repo.line, "a deliverable")
            for ac in repo.extra_acs:
                check(ac.name, ExtraVoter, "name", ac.line, "an extra-acs name")
                check(ac.email, ExtraVoter, "email", ac.line, "an extra-acs e-mail")
                reason = f"extra-acs of {repo.name}" + (f" ({ac.comment})" if ac.comment else "")
                check(reason, ExtraVoter, "reason", ac.line, "an extra-acs comment")


def _team_slug(team: GovernanceTeam, source: str) -> str:
    slug = slugify(team.name)
    if not slug:
        raise GovernanceError(source, team.line, f"team name {team.name!r} has no letters")
    return slug


def _import_file(document: GovernanceFile) -> GovernanceImportReport:
    kind = TeamKind(document.kind.value)
    by_slug = {team.slug: team for team in Team.objects.all()}
    slugs: dict[str, GovernanceTeam] = {}
    for entry in document.teams:
        slug = _team_slug(entry, document.source)
        if slug in slugs:
            raise GovernanceError(
                document.source,
                entry.line,
                f"team {entry.name!r} has the same short name as {slugs[slug].name!r}",
            )
        slugs[slug] = entry

    previous: dict[int, set[str]] = {}
    for team_id, repo in TeamRepository.objects.filter(source=kind).values_list(
        "team_id", "repository__name"
    ):
        previous.setdefault(team_id, set()).add(repo)

    matched: dict[str, Team] = {slug: by_slug[slug] for slug in slugs if slug in by_slug}
    vanished = [
        team
        for team in by_slug.values()
        if team.kind == kind and team.slug not in slugs and team.pk in previous
    ]
    renamed: list[tuple[str, str]] = []
    for slug, entry in slugs.items():
        if slug in matched:
            continue
        wanted = {r.name for r in entry.repositories}
        best, best_score = None, 0.0
        for team in vanished:
            old = previous[team.pk]
            score = len(wanted & old) / len(wanted | old) if wanted | old else 0.0
            if score > best_score:
                best, best_score = team, score
        if best is not None and best_score >= _RENAME_OVERLAP:
            vanished.remove(best)
            renamed.append((best.name, entry.name))
            best.name, best.slug = entry.name, slug
            matched[slug] = best

    created: list[str] = []
    for slug, entry in slugs.items():
        team = matched.get(slug)
        if team is None:
            team = Team(name=entry.name, slug=slug, kind=kind)
            created.append(entry.name)
        _apply_team_fields(team, entry, kind)
        team.save()
        matched[slug] = team

    unlisted = []
    for team in vanished:
        if team.listed:
            team.listed = False
            team.save(update_fields=["listed", "updated_at"])
            unlisted.append(team.name)

    names = {r.name for entry in document.teams for r in entry.repositories}
    repositories = _repositories(names)
    TeamRepository.objects.filter(source=kind).delete()
    ownership_rows = {
        (matched[slug].pk, repositories[r.name].pk): TeamRepository(
            team=matched[slug],
            repository=repositories[r.name],
            deliverable=r.deliverable,
            source=kind,
            retired_on=r.retired_on,
        )
        for slug, entry in slugs.items()
        for r in entry.repositories
    }
    TeamRepository.objects.bulk_create(ownership_rows.values())

    extra_rows: list[ExtraVoter] = []
    # legacy.yaml carries no extra-acs: retired teams' voters come from contributions.
    if kind != TeamKind.LEGACY:
        ExtraVoter.objects.filter(source=ExtraVoterSource(kind.value)).delete()
        extra_rows = [
            ExtraVoter(
                team=matched[slug],
                repository=repositories[r.name],
                name=ac.name,
                email=normalise_email(ac.email),
                reason=f"extra-acs of {r.name}" + (f" ({ac.comment})" if ac.comment else ""),
                expires_on=ac.expires_on,
                source=ExtraVoterSource(kind.value),
            )
            for slug, entry in slugs.items()
            for r in entry.repositories
            for ac in r.extra_acs
        ]
        ExtraVoter.objects.bulk_create(extra_rows)
    return GovernanceImportReport(
        files=(document.source,),
        created=tuple(created),
        renamed=tuple(renamed),
        unlisted=tuple(unlisted),
        teams=len(slugs),
        ownerships=len(ownership_rows),
        extra_voters=len(extra_rows),
    )


def _apply_team_fields(team: Team, entry: GovernanceTeam, kind: TeamKind) -> None:
    if kind != TeamKind.LEGACY:
        team.kind = kind
        team.listed = True
        team.retired_on = None
        team.leadership_type = entry.leadership_type
        team.ptl_name = entry.ptl.name if entry.ptl else ""
        team.ptl_email = normalise_email(entry.ptl.email) if entry.ptl else ""
        return
    # legacy.yaml: a team that is still listed elsewhere only lost some deliverables
    # ("partial: yes"); otherwise the team itself retired.
    still_active = team.pk is not None and team.kind != TeamKind.LEGACY and team.listed
    if not still_active:
        team.kind = TeamKind.LEGACY
        team.listed = True
        team.retired_on = entry.retired_on
        if entry.ptl and not team.ptl_name:
            team.ptl_name = entry.ptl.name
            team.ptl_email = normalise_email(entry.ptl.email)


def _repositories(names: Iterable[str]) -> dict[str, Repository]:
    wanted = set(names)
    Repository.objects.bulk_create(
        [Repository(name=name) for name in sorted(wanted)], ignore_conflicts=True
    )
    return {r.name: r for r in Repository.objects.filter(name__in=wanted)}


# --- Writing contributions fast ----------------------------------------------------------

Row = tuple[int, str, str, str, str, str, datetime]  # repo, kind, source, ref, email, name, date
_COPY_COLUMNS = ("repository_id", "kind", "source", "ref", "email", "name", "date")
_EMAIL_MAX = Contribution._meta.get_field("email").max_length or 254
_NAME_MAX = Contribution._meta.get_field("name").max_length or 200
_REF_MAX = Contribution._meta.get_field("ref").max_length or 64
_REPOSITORY_MAX = Repository._meta.get_field("name").max_length or 200
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})
# Bytes handed to PostgreSQL per COPY message (psycopg2 reads the buffer in pieces of this).
_COPY_CHUNK = 1 << 20


@contextmanager
def ingest_atomic() -> Iterator[None]:
    """The transaction of one ingest (a repository, a Gerrit file): all or nothing.

    On PostgreSQL the commit does not wait for the WAL flush. That is safe here: a crash can
    lose only the last few *whole* transactions (each carries its ``IngestState``), and
    ingests are idempotent, so the next run redoes them. It saves a disk flush per
    repository.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _store(
    rows: Sequence[Row],
    *,
    fresh: bool = False,
    text: bytes | None = None,
    count: int | None = None,
) -> int:
    """Insert contributions, skipping ones already stored; returns how many were new.

    PostgreSQL: COPY into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING,
    an order of magnitude faster than row inserts; with ``fresh`` (the caller knows none of
    the rows can be stored already) COPY straight into the table. Elsewhere: batched
    ``bulk_create``. ``text`` is ``rows`` already in COPY format and ``count`` their number,
    when only the text was kept (``rows`` may then be empty).
    """
    total = len(rows) if count is None else count
    if not total:
        return 0
    if connection.vendor == "postgresql":
        return _store_with_copy(rows, total=total, fresh=fresh, text=text)
    table = Contribution.objects.filter(repository_id__in={r[0] for r in rows})
    before = table.count()
    Contribution.objects.bulk_create(
        [
            Contribution(
                repository_id=r[0],
                kind=r[1],
                source=r[2],
                ref=r[3],
                email=r[4],
                name=r[5],
                date=r[6],
            )
            for r in rows
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return table.count() - before


def _copy_text(rows: Sequence[Row]) -> str:
    """Rows in PostgreSQL's COPY text format."""
    return "".join(
        f"{repository_id}\t{kind}\t{source}\t{ref}\t{email.translate(_COPY_ESCAPES)}\t"
        f"{name.translate(_COPY_ESCAPES)}\t{when.isoformat()}\n"
        for repository_id, kind, source, ref, email, name, when in rows
    )


def _store_with_copy(rows: Sequence[Row], *, total: int, fresh: bool, text: bytes | None) -> int:
    buffer = io.BytesIO(text if text is not None else _copy_text(rows).encode("utf-8"))
    table = Contribution._meta.db_table
    columns = ", ".join(_COPY_COLUMNS)
    with connection.cursor() as cursor:
        if fresh:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer, _COPY_CHUNK)
            return total
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS contribution_stage "
            "(repository_id bigint, kind varchar(6), source varchar(6), ref varchar(64), "
            "email varchar(254), name varchar(200), date timestamptz) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE contribution_stage")
        cursor.copy_expert(f"COPY contribution_stage ({columns}) FROM STDIN", buffer, _COPY_CHUNK)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM contribution_stage "  # noqa: S608 - fixed identifiers
            "ON CONFLICT DO NOTHING"
        )
        return cursor.rowcount


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


def commits_ingest(
    *,
    repositories: Sequence[str] = (),
    base: str | None = None,
    progress: Progress | None = None,
) -> CommitsIngestReport:
    """Ingest commits of the named repositories (default: every known one) from ``base``.

    Each repository is its own transaction: one that fails (missing, corrupt) is reported by
    name in ``failures`` and leaves its stored data as it was; the others go ahead.
    """
    names = list(dict.fromkeys(repositories)) or list(
        Repository.objects.order_by("name").values_list("name", flat=True)
    )
    where = base or conf.git_base()
    unchanged: list[RepositoryIngest] = []
    sources: list[CommitSource] = []
    failures: list[tuple[str, str]] = []
    for name in names:
        try:
            plan = _plan(name=name, base=where)
        except INPUT_ERRORS as error:
            failures.append((name, str(error)))
            continue
        if isinstance(plan, RepositoryIngest):
            unchanged.append(plan)
        else:
            sources.append(plan)
    done, failed = commit_sources_store(sources=sources, progress=progress)
    failures += [(name, str(error)) for name, error in failed]
    ingested = sorted(unchanged + done, key=lambda r: names.index(r.repository))
    return CommitsIngestReport(repositories=tuple(ingested), failures=tuple(failures))


def repository_commits_ingest(
    *, name: str, base: str, progress: Progress | None = None
) -> RepositoryIngest:
    """Ingest one repository, incrementally from where the last ingest stopped."""
    plan = _plan(name=name, base=base)
    if isinstance(plan, RepositoryIngest):
        return plan
    done, failed = commit_sources_store(sources=[plan], progress=progress)
    if failed:
        raise failed[0][1]
    return done[0]


def _plan(*, name: str, base: str) -> CommitSource | RepositoryIngest:
    """What to read from a repository: nothing (unchanged), new commits, or everything.

    OpenStack TC charter: a commit counts when it landed (committer date) on the default
    branch; merges are not contributions; the author and every ``Co-authored-by:`` are
    contributors, seen through ``.mailmap``; bots (``STACKVOTE_BOT_EMAILS``) are skipped.
    """
    path = locate(base=base, name=name, cache_dir=conf.git_cache_dir())
    head = head_commit(path, name=name)
    mailmap = mailmap_blob(path) if head else ""
    repository, _ = Repository.objects.get_or_create(name=name)
    state = IngestState.objects.filter(repository=repository).first()
    last = state.last_sha if state else ""
    if head is None or (state is not None and last == head and state.mailmap_blob == mailmap):
        return RepositoryIngest(name, head or "", 0, 0, full=False, unchanged=True)
    # Start over when the history was rewritten (the last commit is gone) or the mailmap
    # changed (stored addresses would be wrong); starting over replaces our own rows.
    full = (
        state is None
        or not last
        or state.mailmap_blob != mailmap
        or not is_ancestor(path, last, head)
    )
    return CommitSource(
        repository=repository,
        records=partial(read_git_log, repository=path, since=None if full else last),
        mailmap=partial(_map_contacts, path),
        head=head,
        mailmap_blob=mailmap,
        planned_from=last,
        full=full,
    )


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


# --- Gerrit --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GerritIngestReport:
    source: str
    changes: int
    stored: int
    repositories: int


def gerrit_ingest(*, path: str | Path, progress: Progress | None = None) -> GerritIngestReport:
    """Ingest a ``gerrit query --format=JSON --all-approvals status:merged`` export.

    Owner and uploader of the merged patch set count as authors of the change (dated by its
    merge); reviewers count for Code-Review +2/-2 and Workflow +1 (dated by the vote), as
    the OpenStack TC charter says. The whole file is one transaction: a bad line (named in
    the error) leaves nothing of the file stored.
    """
    source = str(path)
    bots = conf.bot_emails()
    batch_size = conf.ingest_batch_size()
    repositories: dict[str, Repository] = {}
    changes = stored = 0
    rows: list[Row] = []
    try:
        handle = open(path, encoding="utf-8", errors="replace")
    except OSError as error:
        raise GerritFormatError(source, 0, f"cannot read: {error.strerror or error}") from None
    with handle, ingest_atomic():
        for change in parse_gerrit_query(handle, source=source):
            changes += 1
            repository = repositories.get(change.project)
            if repository is None:
                # Values the tables cannot hold are the file's error, named by its line.
                if len(change.project) > _REPOSITORY_MAX or "\x00" in change.project:
                    raise GerritFormatError(
                        source,
                        change.line,
                        f"project {change.project[:60]!r} is not a repository name",
                    )
                repository, _ = Repository.objects.get_or_create(name=change.project)
                repositories[change.project] = repository
            if len(change.reference) > _REF_MAX:
                raise GerritFormatError(
                    source, change.line, f"change {change.reference[:70]!r} has no usable id"
                )
            people: list[tuple[str, Contact, datetime]] = [
                (ContributionKind.COMMIT, author, change.merged_at) for author in change.authors
            ]
            people += [(ContributionKind.REVIEW, r.reviewer, r.granted_at) for r in change.reviews]
            for kind, person, when in people:
                if person.email in bots or len(person.email) > _EMAIL_MAX:
                    continue
                rows.append(
                    (
                        repository.pk,
                        kind,
                        ContributionSource.GERRIT,
                        change.reference,
                        person.email,
                        person.name[:_NAME_MAX],
                        when,
                    )
                )
            if len(rows) >= batch_size:
                stored += _store(rows)
                rows.clear()
                if progress:
                    progress(stored)
        stored += _store(rows)
    return GerritIngestReport(source, changes, stored, len(repositories))


# --- Ingest runs (admin, Celery, commands) -------------------------------------------------


def progress_cache_key(run_id: int) -> str:
    return f"accounts:ingest-run:{run_id}:count"


def ingest_run_queue(
    *,
    kind: str,
    targets: Sequence[str] = (),
    base: str = "",
    created_by: User | None = None,
    queue: bool = True,
) -> IngestRun:
    """Record an ingest and, once the record is committed, queue its Celery task."""
    kind = IngestRun.Kind(kind)
    targets = [t.strip() for t in targets if t.strip()]
    if kind != IngestRun.Kind.COMMITS and not targets:
        raise EligibilityError(f"A {kind.label.lower()} ingest needs at least one file.")
    with transaction.atomic():
        run = IngestRun.objects.create(
            kind=kind, targets=targets, base=base.strip(), created_by=created_by
        )
        if queue:
            from accounts import tasks

            tasks.TASK_FOR_KIND[kind].delay_on_commit(run.pk)
    return run


def ingest_run_execute(*, run_id: int) -> IngestRun:
    """Carry out a queued ingest: safe to call twice (only a queued run is started).

    State moves queued → running → done or failed. Errors are stored on the run, never
    raised, so the admin shows them; the data of a failed import is rolled back.
    """
    claimed = IngestRun.objects.filter(pk=run_id, state=IngestRun.State.QUEUED).update(
        state=IngestRun.State.RUNNING, started_at=timezone.now()
    )
    run = IngestRun.objects.get(pk=run_id)
    if not claimed:
        return run

    def progress(count: int) -> None:
        cache.set(progress_cache_key(run.pk), count, timeout=24 * 3600)

    try:
        count, error = _execute(run, progress)
    except INPUT_ERRORS + (EligibilityError,) as failure:
        count, error = 0, str(failure)
    except Exception as failure:  # noqa: BLE001 - recorded on the run for the officials
        logger.exception("Ingest run %s failed", run.pk)
        count, error = 0, f"Internal error ({type(failure).__name__}): {failure}"
    run.count = count
    run.error = error
    run.state = IngestRun.State.FAILED if error else IngestRun.State.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["count", "error", "state", "finished_at"])
    cache.delete(progress_cache_key(run.pk))
    return run


def _execute(run: IngestRun, progress: Progress) -> tuple[int, str]:
    if run.kind == IngestRun.Kind.GOVERNANCE:
        report = governance_import(paths=run.targets)
        return report.ownerships, ""
    if run.kind == IngestRun.Kind.GERRIT:
        stored = 0
        for target in run.targets:
            stored += gerrit_ingest(
                path=target, progress=lambda n, s=stored: progress(s + n)
            ).stored
        return stored, ""
    report = commits_ingest(repositories=run.targets, base=run.base or None, progress=progress)
    error = "\n".join(message for _, message in report.failures)
    return report.stored, error


# --- Voters --------------------------------------------------------------------------------


def _address(email: str) -> str:
    address = normalise_email(email)
    local, _, domain = address.partition("@")
    if not local or not domain or " " in address:
        raise EligibilityError(f"{email!r} is not an e-mail address.")
    return address


def voter_add(
    *,
    email: str,
    reason: str,
    name: str = "",
    team: Team | None = None,
    expires_on: date | None = None,
    created_by: User | None = None,
) -> ExtraVoter:
    """Add a voter by hand (like an ``extra-acs`` entry): on ``team``'s roll and the roll of
    all official repositories, or with no team only on the latter, until ``expires_on``."""
    if not reason.strip():
        raise EligibilityError("Say why this voter is added.")
    return ExtraVoter.objects.create(
        email=_address(email),
        name=name.strip(),
        reason=reason.strip(),
        team=team,
        expires_on=expires_on,
        source=ExtraVoterSource.MANUAL,
        created_by=created_by,
    )


def voter_remove(*, voter: ExtraVoter) -> None:
    """Remove a hand-added voter (entries from governance files change with the files)."""
    if voter.source != ExtraVoterSource.MANUAL:
        raise EligibilityError(
            "This voter comes from a governance file; change the file and re-import it."
        )
    voter.delete()


def voter_exclude(
    *, email: str, reason: str, team: Team | None = None, created_by: User | None = None
) -> VoterExclusion:
    """Keep an address (and the account that verified it) off ``team``'s roll, or off every
    roll with no team."""
    if not reason.strip():
        raise EligibilityError("Say why this address is excluded.")
    exclusion, _ = VoterExclusion.objects.update_or_create(
        email=_address(email),
        team=team,
        defaults={"reason": reason.strip(), "created_by": created_by},
    )
    return exclusion


def voter_unexclude(*, exclusion: VoterExclusion) -> None:
    exclusion.delete()


# --- Rolls -------------------------------------------------------------------------------


def roll_freeze(
    *,
    team: Team | None,
    start: date | datetime,
    end: date | datetime,
    min_contributions: int | None = None,
    created_by: User | None = None,
) -> Roll:
    """Compute the roll of ``team`` (``None``: every official repository) for the window
    [start, end) and freeze it: the snapshot and its fingerprint never change, whatever is
    ingested later. Dates are UTC days."""
    from accounts.selectors import roll_compute

    computed = roll_compute(
        team=team,
        start=start,
        end=end,
        min_contributions=min_contributions or conf.min_contributions(),
    )
    with transaction.atomic():
        roll = Roll.objects.create(
            team=team,
            scope=computed.scope,
            start=computed.window.start,
            end=computed.window.end,
            min_contributions=computed.min_contributions,
            fingerprint=computed.fingerprint,
            size=len(computed.voters),
            created_by=created_by,
        )
        _roll_entries_store(roll, computed.voters)
    return roll


def _roll_entries_store(roll: Roll, voters: Sequence[Voter]) -> None:
    names = [voter.name[:200] for voter in voters]
    reasons = ["; ".join(voter.reasons)[:500] for voter in voters]
    addresses = [sorted({voter.email, *voter.addresses}) for voter in voters]
    if connection.vendor == "postgresql":
        # Two statements for any size of roll (the TC roll has tens of thousands of voters).
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {RollEntry._meta.db_table} "  # noqa: S608 - fixed identifiers
                "(roll_id, email, name, contributions, reasons) "
                "SELECT %s, * FROM unnest(%s::varchar[], %s::varchar[], %s::int[], %s::varchar[])"
                " RETURNING id, email",
                [
                    roll.pk,
                    [v.email for v in voters],
                    names,
                    [v.contributions for v in voters],
                    reasons,
                ],
            )
            ids = {email: pk for pk, email in cursor.fetchall()}
            entry_ids = [
                ids[v.email] for v, mine in zip(voters, addresses, strict=True) for _ in mine
            ]
            cursor.execute(
                f"INSERT INTO {RollAddress._meta.db_table} "  # noqa: S608 - fixed identifiers
                "(roll_id, entry_id, email) SELECT %s, * FROM unnest(%s::bigint[], %s::varchar[])",
                [roll.pk, entry_ids, [a for mine in addresses for a in mine]],
            )
        return
    entries = RollEntry.objects.bulk_create(
        [
            RollEntry(
                roll=roll,
                email=voter.email,
                name=name,
                contributions=voter.contributions,
                reasons=reason,
            )
            for voter, name, reason in zip(voters, names, reasons, strict=True)
        ],
        batch_size=2000,
    )
    RollAddress.objects.bulk_create(
        [
            RollAddress(roll=roll, entry=entry, email=address)
            for entry, mine in zip(entries, addresses, strict=True)
            for address in mine
        ],
        batch_size=2000,
    )


def window_of(start: date | datetime, end: date | datetime) -> Window:
    """The qualifying window [start, end) from dates (UTC days) or aware datetimes."""
    return Window(conf.as_utc_datetime(start), conf.as_utc_datetime(end))
