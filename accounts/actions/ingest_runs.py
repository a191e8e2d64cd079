"""Ingest runs: the rows that record an ingest queued from the admin, a task or a command."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.actions.commits import commits_ingest
from accounts.actions.errors import INPUT_ERRORS, EligibilityError, Progress
from accounts.actions.gerrit import gerrit_ingest
from accounts.actions.governance import governance_import
from accounts.models import (
    IngestRun,
    User,
)
from audit.actions import audit_record, audit_target
from config.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

# The task that carries out each kind of ingest run (accounts/tasks.py), by name.
INGEST_TASKS: dict[str, str] = {
    IngestRun.Kind.GOVERNANCE: "accounts.ingest_governance",
    IngestRun.Kind.COMMITS: "accounts.ingest_commits",
    IngestRun.Kind.GERRIT: "accounts.ingest_gerrit",
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
    with transaction.atomic():
        run = IngestRun.objects.create(
            kind=kind, targets=targets, base=base.strip(), created_by=created_by
        )
        if queue:
            enqueue_on_commit(INGEST_TASKS[kind], run.pk)
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
    with transaction.atomic():
        run.save(update_fields=["count", "error", "state", "finished_at"])
        # What this ingest changed in who may vote, and from where (files, repositories).
        audit_record(
            actor=run.created_by,
            action=f"ingest.{run.kind}",
            target=audit_target(run),
            detail={
                "targets": run.targets,
                "base": run.base,
                "state": run.state,
                "count": count,
                "error": error[:2000],
            },
        )
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
