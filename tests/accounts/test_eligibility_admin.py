"""Officials' panel for eligibility and the Celery tasks behind long ingests."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.actions import ingest_run_execute, ingest_run_queue, progress_cache_key
from accounts.admin import IngestRunAdmin
from accounts.models import (
    Contribution,
    ExtraVoter,
    IngestRun,
    Repository,
    Roll,
    Team,
    TeamRepository,
)
from tests.accounts.conftest import GOVERNANCE_FILES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "team",
        "repository",
        "contribution",
        "ingestrun",
        "extravoter",
        "voterexclusion",
        "roll",
        "rollentry",
    ],
)
def test_changelists_and_add_pages_open_for_officials(
    client: Any, official: Any, governance: None, model: str
) -> None:
    client.force_login(official)
    assert client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200
    add = client.get(reverse(f"admin:accounts_{model}_add"))
    assert add.status_code in (200, 403)


def test_people_who_are_not_officials_see_nothing(client: Any, make_user: Any) -> None:
    client.force_login(make_user("voter@example.org", is_staff=True))
    assert client.get(reverse("admin:accounts_ingestrun_changelist")).status_code == 403


def test_governance_import_started_from_the_admin_runs_as_a_task(
    client: Any, official: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("admin:accounts_ingestrun_add"),
            {
                "kind": "governance",
                "targets_text": "\n".join(map(str, GOVERNANCE_FILES)),
                "base": "",
            },
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    run = IngestRun.objects.get()
    assert (run.state, run.error, run.created_by) == ("done", "", official)
    assert run.count == TeamRepository.objects.count() > 0
    listing = client.get(reverse("admin:accounts_ingestrun_changelist")).content.decode()
    assert "Done" in listing


def test_a_failed_ingest_shows_its_error_and_leaves_no_data(
    client: Any, official: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    bad = tmp_path / "projects.yaml"
    bad.write_text("nova:\n  leadership_type: ptl\n  deliverables:\n    nova:\n      repos: [x]\n")
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:accounts_ingestrun_add"),
            {"kind": "governance", "targets_text": f"{GOVERNANCE_FILES[1]}\n{bad}", "base": ""},
        )
    run = IngestRun.objects.get()
    assert run.state == "failed"
    assert "projects.yaml, line 5: 'x' is not a repository name" in run.error
    assert not Team.objects.exists()
    listing = client.get(reverse("admin:accounts_ingestrun_changelist")).content.decode()
    assert "Failed" in listing and "is not a repository name" in listing


def test_repository_action_queues_a_commit_ingest(
    client: Any,
    official: Any,
    governance: None,
    make_repo: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_repo("openstack/nova").commit()
    nova = Repository.objects.get(name="openstack/nova")
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:accounts_repository_changelist"),
            {"action": "ingest_commits", "_selected_action": [nova.pk]},
        )
    run = IngestRun.objects.get()
    assert (run.kind, run.targets, run.state, run.count) == (
        "commits",
        ["openstack/nova"],
        "done",
        1,
    )
    assert Contribution.objects.filter(repository=nova).count() == 1


def test_running_ingests_show_their_progress(official: Any) -> None:
    run = ingest_run_queue(kind="gerrit", targets=["x.json"], queue=False)
    IngestRun.objects.filter(pk=run.pk).update(state="running")
    cache.set(progress_cache_key(run.pk), 1234)
    run.refresh_from_db()
    assert IngestRunAdmin(IngestRun, None).progress(run) == 1234


def test_running_a_task_twice_does_the_work_once(governance: None) -> None:
    run = ingest_run_queue(kind="governance", targets=[str(GOVERNANCE_FILES[0])], queue=False)
    first = ingest_run_execute(run_id=run.pk)
    finished = first.finished_at
    second = ingest_run_execute(run_id=run.pk)
    assert (second.state, second.finished_at) == ("done", finished)


def test_roll_frozen_from_the_admin(client: Any, official: Any, governance: None) -> None:
    client.force_login(official)
    nova = Team.objects.get(name="nova")
    response = client.post(
        reverse("admin:accounts_roll_add"),
        {
            "team": nova.pk,
            "window_start": "2025-09-12",
            "window_end": "2026-08-19",
            "min_contributions": 1,
        },
    )
    assert response.status_code == 302
    roll = Roll.objects.get()
    assert (roll.scope, roll.created_by, roll.size) == ("nova", official, 0)
    page = client.get(reverse("admin:accounts_roll_change", args=[roll.pk]))
    assert roll.fingerprint in page.content.decode()


def test_voter_added_from_the_admin_goes_through_the_service(
    client: Any, official: Any, governance: None
) -> None:
    client.force_login(official)
    response = client.post(
        reverse("admin:accounts_extravoter_add"),
        {
            "email": " Translator@Example.org ",
            "name": "T",
            "reason": "translations",
            "team": "",
            "expires_on": "2026-12-01",
        },
    )
    assert response.status_code == 302
    voter = ExtraVoter.objects.get(source="manual")
    assert (voter.email, voter.created_by) == ("translator@example.org", official)


@pytest.mark.worker
def test_ingest_runs_on_a_real_worker(celery_worker: Any, tmp_path: Path) -> None:
    """Queued on commit, picked up by a worker over Redis, state visible when done."""
    run = ingest_run_queue(kind="governance", targets=[str(p) for p in GOVERNANCE_FILES])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state in ("done", "failed"):
            break
        time.sleep(0.2)
    assert (run.state, run.error) == ("done", "")
    assert Team.objects.filter(name="nova").exists()
