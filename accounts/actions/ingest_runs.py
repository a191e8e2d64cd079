"""Ingest runs: the rows that record an ingest queued from the admin, a task or a command."""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts import conf
from accounts.actions.commits import commits_ingest
from accounts.actions.errors import INPUT_ERRORS, EligibilityError, Progress
from accounts.actions.gerrit import gerrit_ingest, gerrit_pages_check
from accounts.actions.governance import governance_import
from accounts.models import (
    Contribution,
    ExtraVoter,
    IngestRun,
    TeamRepository,
    User,
    VoterExclusion,
)
from audit.actions import audit_record, audit_target
from config.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

# The task that carries out each kind of ingest run (accounts/tasks.py), by name.
INGEST_TASKS: dict[str, str] = {
    IngestRun.Kind.GOVERNANCE: "accounts.ingest_governance",
    IngestRun.Kind.COMMITS: "accounts.ingest_commits",
    IngestRun.Kind.GERRIT: "accounts.ingest_gerrit",
    IngestRun.Kind.GERRIT_OWNERS: "accounts.ingest_gerrit",
}


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
    if created_by is not None:
        # An official names what the operator allowed, never a path or URL of their own:
        # operators on the command line (created_by None) are trusted with any.
        targets = ingest_sources_check(kind=kind, targets=targets, base=base)
    with transaction.atomic():
        run = IngestRun.objects.create(
            kind=kind, targets=targets, base=base.strip(), created_by=created_by
        )
        if queue:
            enqueue_on_commit(INGEST_TASKS[kind], run.pk)
    return run


def ingest_sources_check(*, kind: str, targets: Sequence[str], base: str) -> list[str]:
    """The targets of an official's ingest, checked against what the operator allows (the
    files resolved inside the import directories); raises ``EligibilityError`` naming the
    first one that is not allowed."""
    if IngestRun.Kind(kind) == IngestRun.Kind.COMMITS:
        _check_base(base.strip())
        return list(targets)
    return [_allowed_file(target) for target in targets]


def _check_base(base: str) -> None:
    allowed = conf.git_bases()
    if base and base not in allowed:
        raise EligibilityError(
            f"Base {base!r} is not one the operator allows; choose one of: {', '.join(allowed)}."
        )


def _allowed_file(target: str) -> str:
    """``target`` (a name inside an import directory, or a path to one) resolved inside an
    import directory; refused otherwise, naming it, without saying whether it exists."""
    directories = [directory.resolve() for directory in conf.import_dirs()]
    candidates = [Path(target)] if Path(target).is_absolute() else [d / target for d in directories]
    for candidate in candidates:
        resolved = candidate.resolve()
        inside = any(resolved.is_relative_to(directory) for directory in directories)
        if inside and resolved.is_file():
            return str(resolved)
    raise EligibilityError(
        f"{target}: not a file in the import directories the operator set up "
        f"({', '.join(map(str, directories))}); put it there first."
    )


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

    before = _who_may_vote_counts()
    source: dict[str, Any] = {}
    try:
        count, error, source = _execute(run, progress)
    except INPUT_ERRORS + (EligibilityError,) as failure:
        count, error = 0, str(failure)
    except Exception as failure:  # noqa: BLE001 - recorded on the run for the officials
        logger.exception("Ingest run %s failed", run.pk)
        count, error = 0, f"Internal error ({type(failure).__name__}): {failure}"
    after = _who_may_vote_counts()
    run.count = count
    run.error = error
    run.state = IngestRun.State.FAILED if error else IngestRun.State.DONE
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save(update_fields=["count", "error", "state", "finished_at"])
        # What this ingest changed in who may vote, and from where (files, repositories).
        audit_record(
            actor=run.created_by,
            action=f"ingest.{run.kind}",
            target=audit_target(run),
            detail={
                "targets": run.targets,
                "base": run.base or (conf.git_base() if run.kind == "commits" else ""),
                "source": source,
                "state": run.state,
                "count": count,
                "error": error[:2000],
                "counts": {"before": before, "after": after},
            },
        )
    cache.delete(progress_cache_key(run.pk))
    return run


def _execute(run: IngestRun, progress: Progress) -> tuple[int, str, dict[str, Any]]:
    """Run the ingest; return what it stored, its error and its source: the files read and
    their SHA-256, or each repository's revision."""
    if run.kind == IngestRun.Kind.GOVERNANCE:
        files = {target: _sha256(target) for target in run.targets}
        report = governance_import(paths=run.targets)
        return report.ownerships, "", {"files": files}
    if run.kind in (IngestRun.Kind.GERRIT, IngestRun.Kind.GERRIT_OWNERS):
        files = {target: _sha256(target) for target in run.targets}
        gerrit_pages_check(list(run.targets))
        owners_only = run.kind == IngestRun.Kind.GERRIT_OWNERS
        stored = 0
        for target in run.targets:
            stored += gerrit_ingest(
                path=target,
                progress=lambda n, s=stored: progress(s + n),
                owners_only=owners_only,
            ).stored
        return stored, "", {"files": files}
    report = commits_ingest(repositories=run.targets, base=run.base or None, progress=progress)
    error = "\n".join(message for _, message in report.failures)
    revisions = {ingest.repository: ingest.head for ingest in report.repositories}
    return report.stored, error, {"revisions": revisions}


def _sha256(path: str) -> str:
    """The file's SHA-256, or '' when it cannot be read (the import then says why)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def _who_may_vote_counts() -> dict[str, int]:
    """What rolls are built from, counted: before and after an ingest, in its audit entry."""
    return {
        "contributions": Contribution.objects.count(),
        "contributor_addresses": Contribution.objects.values("email").distinct().count(),
        "extra_voters": ExtraVoter.objects.count(),
        "exclusions": VoterExclusion.objects.count(),
        "team_repositories": TeamRepository.objects.count(),
    }


# A run still queued this long after it was created lost its task (the broker was down when
# it was queued): the sweep queues it again. Running twice is harmless: only a queued run
# is started.
STALE_QUEUED_RUN = datetime.timedelta(minutes=10)


def ingest_runs_requeue_stale(*, now: datetime.datetime | None = None) -> list[int]:
    """Queue again every ingest run still waiting long after it was queued; return their ids."""
    cutoff = (now or timezone.now()) - STALE_QUEUED_RUN
    stale = list(
        IngestRun.objects.filter(state=IngestRun.State.QUEUED, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "kind")
    )
    for run_id, kind in stale:
        enqueue_on_commit(INGEST_TASKS[kind], run_id)
    return [run_id for run_id, _ in stale]
