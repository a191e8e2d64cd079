"""Celery tasks of eligibility: thin wrappers that run one queued ingest.

Each takes the id of an ``IngestRun`` and calls ``ingest_run_execute``, which only starts a
run that is still queued, so a task delivered twice does the work once.
"""

from __future__ import annotations

from celery import shared_task

from accounts.actions import ingest_run_execute, ingest_runs_requeue_stale


@shared_task(name="accounts.ingest_governance", ignore_result=True)
def ingest_governance(run_id: int) -> str:
    return ingest_run_execute(run_id=run_id).state


@shared_task(name="accounts.ingest_commits", ignore_result=True)
def ingest_commits(run_id: int) -> str:
    return ingest_run_execute(run_id=run_id).state


@shared_task(name="accounts.ingest_gerrit", ignore_result=True)
def ingest_gerrit(run_id: int) -> str:
    return ingest_run_execute(run_id=run_id).state


@shared_task(name="accounts.requeue_stale_ingest_runs", ignore_result=True)
def requeue_stale_ingest_runs() -> list[int]:
    """Celery beat, the sweep behind ingest runs: queue again those whose task was lost."""
    return ingest_runs_requeue_stale()
