"""Commit ingest from real git repositories and Gerrit ingest from JSON exports."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.actions import commits_ingest, gerrit_ingest, repository_commits_ingest
from accounts.gerritlog import GerritFormatError
from accounts.gitsource import GitSourceError
from accounts.models import Contribution, IngestState, Repository

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def _emails(name: str = "openstack/nova", **filters: Any) -> list[str]:
    return sorted(
        Contribution.objects.filter(repository__name=name, **filters).values_list(
            "email", flat=True
        )
    )


def test_authors_and_co_authors_of_non_merge_commits_are_stored(make_repo: Any) -> None:
    repo = make_repo()
    repo.commit(author=("Jane Doe", "Jane.Doe@Example.org"), co_authors=(("Ann", "ann@x.org"),))
    repo.checkout("topic", create=True)
    repo.commit(author=("Topic Author", "topic@x.org"))
    repo.checkout("main")
    repo.merge("topic")
    report = commits_ingest(repositories=["openstack/nova"])
    assert report.failures == ()
    assert _emails() == ["ann@x.org", "jane.doe@example.org", "topic@x.org"]
    assert "merger@example.org" not in _emails()


def test_stored_date_is_the_committer_date(make_repo: Any) -> None:
    repo = make_repo()
    sha = repo.commit(authored="2020-01-01T00:00:00+00:00", committed="2026-01-02T03:04:05+00:00")
    commits_ingest(repositories=["openstack/nova"])
    contribution = Contribution.objects.get(ref=sha)
    assert contribution.date.isoformat() == "2026-01-02T03:04:05+00:00"


def test_bots_are_skipped(make_repo: Any, settings: Any) -> None:
    settings.STACKVOTE_BOT_EMAILS = ["proposal-bot@example.org"]
    repo = make_repo()
    repo.commit(author=("OpenStack Proposal Bot", "Proposal-Bot@example.org"))
    repo.commit(author=("Human", "human@example.org"))
    commits_ingest(repositories=["openstack/nova"])
    assert _emails() == ["human@example.org"]


def test_mailmap_maps_authors_and_co_authors(make_repo: Any) -> None:
    repo = make_repo()
    repo.write_mailmap("Jane Doe <jane@example.org> <jdoe@laptop.local>\n")
    repo.commit(author=("jdoe", "jdoe@laptop.local"), co_authors=(("J", "jdoe@laptop.local"),))
    repo.commit(author=("Ann", "ann@x.org"), co_authors=(("jd", "JDOE@laptop.local"),))
    commits_ingest(repositories=["openstack/nova"])
    assert "jdoe@laptop.local" not in _emails()
    assert _emails().count("jane@example.org") == 2


def test_ingest_is_incremental_and_idempotent(make_repo: Any) -> None:
    repo = make_repo()
    repo.commit()
    first = repository_commits_ingest(name="openstack/nova", base=str(repo.path.parents[1]))
    assert (first.commits, first.stored, first.full) == (1, 1, True)
    again = repository_commits_ingest(name="openstack/nova", base=str(repo.path.parents[1]))
    assert again.unchanged and again.stored == 0
    repo.commit(author=("New", "new@x.org"))
    later = repository_commits_ingest(name="openstack/nova", base=str(repo.path.parents[1]))
    assert (later.commits, later.stored, later.full) == (1, 1, False)
    # Forgetting where we stopped re-reads everything, and stores nothing twice.
    IngestState.objects.all().delete()
    redo = repository_commits_ingest(name="openstack/nova", base=str(repo.path.parents[1]))
    assert (redo.commits, redo.stored) == (2, 0)
    assert Contribution.objects.count() == 2


def test_rewritten_history_replaces_stored_commits(make_repo: Any) -> None:
    repo = make_repo()
    repo.commit(author=("Keep", "keep@x.org"))
    repo.commit(author=("Gone", "gone@x.org"))
    commits_ingest(repositories=["openstack/nova"])
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.commit(author=("Replacement", "replacement@x.org"))
    report = commits_ingest(repositories=["openstack/nova"])
    assert report.repositories[0].full
    assert _emails() == ["keep@x.org", "replacement@x.org"]


def test_a_new_mailmap_remaps_stored_commits(make_repo: Any) -> None:
    repo = make_repo()
    repo.commit(author=("jdoe", "jdoe@laptop.local"))
    commits_ingest(repositories=["openstack/nova"])
    assert _emails() == ["jdoe@laptop.local"]
    repo.write_mailmap("Jane Doe <jane@example.org> <jdoe@laptop.local>\n")
    commits_ingest(repositories=["openstack/nova"])
    assert _emails() == ["jane@example.org", "keeper@example.org"]


def test_missing_or_corrupt_repositories_are_named_and_others_still_ingested(
    make_repo: Any, git_base: Path
) -> None:
    make_repo("openstack/nova").commit()
    broken = make_repo("openstack/glance")
    broken.commit()
    shutil.rmtree(broken.path / ".git" / "objects")
    (broken.path / ".git" / "objects").mkdir()
    (git_base / "openstack" / "notgit").mkdir()
    report = commits_ingest(
        repositories=["openstack/ghost", "openstack/glance", "openstack/notgit", "openstack/nova"]
    )
    failures = dict(report.failures)
    assert "openstack/ghost not found" in failures["openstack/ghost"]
    assert "openstack/glance" in failures["openstack/glance"]
    assert "not a git repository" in failures["openstack/notgit"]
    assert [r.repository for r in report.repositories] == ["openstack/nova"]
    assert not Repository.objects.filter(name__in=["openstack/ghost", "openstack/notgit"]).exists()
    assert _emails() == ["jane@example.org"]


def test_default_is_every_known_repository(make_repo: Any) -> None:
    make_repo("openstack/nova").commit()
    make_repo("openstack/placement").commit(author=("P", "p@x.org"))
    Repository.objects.create(name="openstack/nova")
    Repository.objects.create(name="openstack/placement")
    report = commits_ingest()
    assert {r.repository for r in report.repositories} == {"openstack/nova", "openstack/placement"}


def test_url_bases_are_cloned_then_fetched_into_the_cache(
    make_repo: Any, git_base: Path, tmp_path: Path, settings: Any
) -> None:
    repo = make_repo()
    repo.commit()
    url = f"file://{git_base}"
    commits_ingest(repositories=["openstack/nova"], base=url)
    cached = Path(settings.STACKVOTE_GIT_CACHE_DIR) / "openstack" / "nova.git"
    assert cached.is_dir()
    repo.commit(author=("Second", "second@x.org"))
    report = commits_ingest(repositories=["openstack/nova"], base=url)
    assert report.repositories[0].stored == 1
    assert _emails() == ["jane@example.org", "second@x.org"]


def test_ingest_commits_command(make_repo: Any, git_base: Path) -> None:
    make_repo().commit()
    out = StringIO()
    call_command("ingest_commits", "--base", str(git_base), "openstack/nova", stdout=out)
    assert "Stored 1 new contributions" in out.getvalue()
    with pytest.raises(CommandError, match="repository openstack/ghost not found"):
        call_command("ingest_commits", "openstack/ghost")


def test_repository_names_cannot_escape_the_base(git_base: Path) -> None:
    with pytest.raises(GitSourceError, match="not a repository name"):
        repository_commits_ingest(name="../etc", base=str(git_base))


# --- Gerrit --------------------------------------------------------------------------------


def test_gerrit_owners_uploaders_and_counted_reviewers_are_stored() -> None:
    report = gerrit_ingest(path=FIXTURES / "gerrit-merged.jsonl")
    assert (report.changes, report.repositories) == (2, 2)
    assert _emails(kind="commit") == ["helper@example.org", "jane.doe@example.org"]
    assert _emails(kind="review") == [
        "blocker@example.org",
        "core1@example.org",
        "core2@example.org",
    ]
    assert _emails("openstack/placement") == ["ann@example.org", "core1@example.org"]
    # zuul (a bot by default) and the Code-Review +1 / Workflow -1 voters count for nothing.
    assert not Contribution.objects.filter(
        email__in=["zuul@openstack.org", "driveby@example.org", "hold@example.org"]
    ).exists()


def test_gerrit_ingest_is_idempotent() -> None:
    first = gerrit_ingest(path=FIXTURES / "gerrit-merged.jsonl")
    second = gerrit_ingest(path=FIXTURES / "gerrit-merged.jsonl")
    assert first.stored == 7 and second.stored == 0


def test_a_bad_gerrit_line_stores_nothing_and_names_the_line(tmp_path: Path) -> None:
    lines = (FIXTURES / "gerrit-merged.jsonl").read_text().splitlines()
    export = tmp_path / "export.json"
    export.write_text("\n".join([lines[0], lines[1], "{not json", lines[3]]) + "\n")
    with pytest.raises(GerritFormatError, match=r"export.json, line 3: not valid JSON"):
        gerrit_ingest(path=export)
    assert not Contribution.objects.exists()
    with pytest.raises(CommandError, match=r"Nothing imported. .*export.json, line 3"):
        call_command("ingest_gerrit", str(export))


def test_ingest_gerrit_command() -> None:
    out = StringIO()
    call_command("ingest_gerrit", str(FIXTURES / "gerrit-merged.jsonl"), stdout=out)
    assert "Stored 7 new contributions" in out.getvalue()
