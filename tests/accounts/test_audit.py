"""Every change to who may vote is in the hash-chained audit log: one entry per change, with
who made it and why, written in the change's own transaction."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from accounts import actions
from accounts.models import ExtraVoter, IngestRun, Team
from audit.models import AuditEntry
from audit.selectors import audit_chain_breaks
from tests.accounts.conftest import GOVERNANCE_FILES

pytestmark = pytest.mark.django_db


def _new_entries(before: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=before).order_by("pk"))


def _last_pk() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_adding_and_removing_a_voter_by_hand_is_audited(governance: None, official: Any) -> None:
    nova = Team.objects.get(slug="nova")
    before = _last_pk()
    voter = actions.voter_add(
        email="Jane@Example.org", reason="Translator", team=nova, created_by=official
    )
    voter_pk = voter.pk
    actions.voter_remove(voter=voter, actor=official)
    added, removed = _new_entries(before)
    assert (added.action, added.actor, added.target) == (
        "voter.add",
        official,
        f"extravoter:{voter_pk}",
    )
    assert added.detail == {
        "email": "jane@example.org",
        "team": "nova",
        "reason": "Translator",
        "expires_on": None,
    }
    assert (removed.action, removed.actor) == ("voter.remove", official)
    assert removed.detail["email"] == "jane@example.org"
    assert removed.target == added.target
    assert not ExtraVoter.objects.filter(pk=voter_pk).exists()
    assert audit_chain_breaks() == []


def test_excluding_and_readmitting_an_address_is_audited(official: Any) -> None:
    before = _last_pk()
    exclusion = actions.voter_exclude(
        email="bot@example.org", reason="A CI account", created_by=official
    )
    actions.voter_unexclude(exclusion=exclusion, actor=official)
    excluded, readmitted = _new_entries(before)
    assert excluded.action == "voter.exclude" and excluded.detail["reason"] == "A CI account"
    assert readmitted.action == "voter.unexclude" and readmitted.actor == official


def test_a_refused_change_leaves_no_entry(official: Any) -> None:
    before = _last_pk()
    with pytest.raises(actions.EligibilityError):
        actions.voter_add(email="not an address", reason="x", created_by=official)
    with pytest.raises(actions.EligibilityError):
        actions.voter_exclude(email="a@example.org", reason="  ", created_by=official)
    assert _new_entries(before) == []


def test_freezing_a_roll_is_audited_with_its_fingerprint(governance: None, official: Any) -> None:
    before = _last_pk()
    roll = actions.roll_freeze(
        team=Team.objects.get(slug="nova"),
        start=datetime.date(2025, 9, 12),
        end=datetime.date(2026, 8, 19),
        created_by=official,
    )
    (entry,) = _new_entries(before)
    assert entry.action == "roll.freeze" and entry.target == f"roll:{roll.pk}"
    assert entry.detail["fingerprint"] == roll.fingerprint
    assert entry.detail["team"] == "nova" and entry.detail["size"] == roll.size


def test_a_governance_import_is_audited_with_its_files(db: Any) -> None:
    before = _last_pk()
    actions.governance_import(paths=GOVERNANCE_FILES)
    (entry,) = _new_entries(before)
    assert entry.action == "governance.import"
    assert [path.rsplit("/", 1)[-1] for path in entry.detail["files"]] == [
        "projects.yaml",
        "technical-committee-repos.yaml",
        "sigs-repos.yaml",
        "legacy.yaml",
    ]
    assert entry.detail["teams"] > 50


def test_an_ingest_run_is_audited_with_its_source_and_outcome(official: Any, tmp_path: Any) -> None:
    missing = tmp_path / "export.json"
    missing.write_text("this is not a Gerrit export\n")
    run = actions.ingest_run_queue(
        kind=IngestRun.Kind.GERRIT, targets=[str(missing)], created_by=official, queue=False
    )
    before = _last_pk()
    actions.ingest_run_execute(run_id=run.pk)
    (entry,) = _new_entries(before)
    assert entry.action == "ingest.gerrit" and entry.actor == official
    assert entry.detail["targets"] == [str(missing)]
    assert entry.detail["state"] == "failed" and str(missing) in entry.detail["error"]


def test_only_officials_change_who_may_vote(make_user: Any, official: Any) -> None:
    """A voter, a candidate or anyone else calling the actions is refused, and nothing is
    written or audited."""
    someone = make_user("someone@example.org")
    before = _last_pk()
    with pytest.raises(actions.EligibilityError, match="Only election officials"):
        actions.voter_add(email="friend@example.org", reason="my friend", created_by=someone)
    with pytest.raises(actions.EligibilityError, match="Only election officials"):
        actions.voter_exclude(email="rival@example.org", reason="rival", created_by=someone)
    exclusion = actions.voter_exclude(email="bot@example.org", reason="CI", created_by=official)
    with pytest.raises(actions.EligibilityError, match="Only election officials"):
        actions.voter_unexclude(exclusion=exclusion, actor=someone)
    assert [e.action for e in _new_entries(before)] == ["voter.exclude"]
    assert not ExtraVoter.objects.filter(email="friend@example.org").exists()


def test_an_ingest_run_whose_task_was_lost_is_run_by_the_sweep(
    official: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Queued while the broker was down: the run's row stays queued, and the scheduler's
    sweep queues it again once it is stale (never a fresh one, which its task may still take)."""
    import datetime

    from django.utils import timezone

    from accounts.tasks import requeue_stale_ingest_runs

    missing = tmp_path / "export.json"
    missing.write_text("this is not a Gerrit export\n")
    run = actions.ingest_run_queue(
        kind=IngestRun.Kind.GERRIT, targets=[str(missing)], created_by=official, queue=False
    )
    assert requeue_stale_ingest_runs() == []  # too fresh to be lost
    IngestRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_ingest_runs() == [run.pk]
    run.refresh_from_db()
    assert run.state == IngestRun.State.FAILED and str(missing) in run.error


def test_an_official_ingests_only_from_what_the_operator_allows(
    official: Any, tmp_path: Any, settings: Any
) -> None:
    """A fake repository named openstack/nova in a directory of the official's choosing, a
    URL, or a server file outside the import directories: refused, nothing queued."""
    from accounts.models import IngestRun

    elsewhere = tmp_path.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    (elsewhere / "export.json").write_text("{}\n")
    for base in (str(elsewhere), "https://evil.example/git", "file:///etc"):
        with pytest.raises(actions.EligibilityError, match="not one the operator allows"):
            actions.ingest_run_queue(
                kind="commits", targets=["openstack/nova"], base=base, created_by=official
            )
    for target in ("/etc/passwd", str(elsewhere / "export.json"), "../elsewhere/export.json"):
        with pytest.raises(actions.EligibilityError, match="not a file in the import"):
            actions.ingest_run_queue(kind="gerrit", targets=[target], created_by=official)
    assert not IngestRun.objects.exists()
    # A base the operator allows, and a file named inside an import directory, are taken.
    settings.STACKVOTE_GIT_BASES = [str(elsewhere)]
    actions.ingest_run_queue(
        kind="commits",
        targets=["openstack/nova"],
        base=str(elsewhere),
        created_by=official,
        queue=False,
    )
    (tmp_path / "mine.json").write_text("{}\n")
    run = actions.ingest_run_queue(
        kind="gerrit", targets=["mine.json"], created_by=official, queue=False
    )
    assert run.targets == [str((tmp_path / "mine.json").resolve())]


def test_an_ingest_audit_names_its_source_and_the_counts_before_and_after(
    official: Any, tmp_path: Any
) -> None:
    from tests.accounts.conftest import GOVERNANCE_FILES

    run = actions.ingest_run_queue(
        kind="governance",
        targets=[str(p) for p in GOVERNANCE_FILES],
        created_by=official,
        queue=False,
    )
    before = _last_pk()
    actions.ingest_run_execute(run_id=run.pk)
    (entry,) = [e for e in _new_entries(before) if e.action == "ingest.governance"]
    files = entry.detail["source"]["files"]
    assert len(files) == 4 and all(len(digest) == 64 for digest in files.values())
    counts = entry.detail["counts"]
    assert counts["before"]["team_repositories"] == 0
    assert counts["after"]["team_repositories"] > 100
