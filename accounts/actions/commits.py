"""Ingesting commits from git repositories (incremental and idempotent)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial

from accounts import conf
from accounts.actions.errors import INPUT_ERRORS, Progress
from accounts.actions.pipeline import (
    CommitsIngestReport,
    CommitSource,
    RepositoryIngest,
    _map_contacts,
    commit_sources_store,
)
from accounts.commitlog import (
    read_git_log,
)
from accounts.gitsource import head_commit, is_ancestor, locate, mailmap_blob
from accounts.models import (
    IngestState,
    Repository,
)

logger = logging.getLogger(__name__)


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
