"""Fixtures for eligibility: the real governance files, repositories built on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.accounts.gitrepos import GitRepo

GOVERNANCE = Path(__file__).resolve().parents[2] / "data" / "openstack"
GOVERNANCE_FILES = tuple(
    GOVERNANCE / name
    for name in (
        "projects.yaml",
        "technical-committee-repos.yaml",
        "sigs-repos.yaml",
        "legacy.yaml",
    )
)


@pytest.fixture(autouse=True)
def _import_dirs(tmp_path: Path, settings: Any) -> None:
    """What the operator lets officials import from: the checkout's governance files and
    the test's own directory."""
    settings.STACKVOTE_IMPORT_DIRS = [str(GOVERNANCE), str(tmp_path)]


@pytest.fixture
def governance(db: Any) -> None:
    """The four real OpenStack governance files, imported."""
    from accounts.actions import governance_import

    governance_import(paths=GOVERNANCE_FILES)


@pytest.fixture
def git_base(tmp_path: Path, settings: Any) -> Path:
    """A directory of repositories laid out as <namespace>/<name>, set as the default base."""
    base = tmp_path / "git"
    base.mkdir()
    settings.STACKVOTE_GIT_BASE = str(base)
    settings.STACKVOTE_GIT_CACHE_DIR = str(tmp_path / "cache")
    return base


@pytest.fixture
def make_repo(git_base: Path) -> Any:
    def make(name: str = "openstack/nova") -> GitRepo:
        return GitRepo(git_base / name)

    return make
