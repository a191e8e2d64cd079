"""Real git repositories for the tests: commits with chosen dates, merges, mailmaps."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

GIT = shutil.which("git") or "git"


class GitRepo:
    """A repository on disk that tests write commits into."""

    def __init__(self, path: Path, *, branch: str = "main") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self.git("config", "user.name", "Test Runner")
        self.git("config", "user.email", "runner@example.org")
        self.git("config", "commit.gpgsign", "false")
        self._counter = 0

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full_env = {
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.path),
            **(env or {}),
        }
        completed = subprocess.run(
            [GIT, "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            env=full_env,
            check=True,
        )
        return completed.stdout.strip()

    def commit(
        self,
        message: str = "",
        *,
        author: tuple[str, str] = ("Jane Doe", "jane@example.org"),
        committed: datetime | str = "2026-01-15T12:00:00+00:00",
        authored: datetime | str | None = None,
        co_authors: tuple[tuple[str, str], ...] = (),
        trailers: str = "",
        path: str | None = None,
    ) -> str:
        """Commit a change to a file; returns the new commit id."""
        self._counter += 1
        name = path or f"file-{self._counter}.txt"
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"change {self._counter}\n")
        self.git("add", name)
        body = message or f"Change {self._counter}"
        lines = [f"Co-authored-by: {n} <{e}>" for n, e in co_authors]
        if trailers:
            lines.append(trailers)
        if lines:
            body += "\n\n" + "\n".join(lines)
        committed_at = committed.isoformat() if isinstance(committed, datetime) else committed
        authored_at = authored.isoformat() if isinstance(authored, datetime) else authored
        self.git(
            "commit",
            "-q",
            "-m",
            body,
            env={
                "GIT_AUTHOR_NAME": author[0],
                "GIT_AUTHOR_EMAIL": author[1],
                "GIT_AUTHOR_DATE": authored_at or committed_at,
                "GIT_COMMITTER_NAME": "Gerrit Code Review",
                "GIT_COMMITTER_EMAIL": "review@example.org",
                "GIT_COMMITTER_DATE": committed_at,
            },
        )
        return self.head()

    def merge(self, branch: str, *, committed: str = "2026-02-01T00:00:00+00:00") -> str:
        """A true merge commit (never a fast-forward) of ``branch`` into the current one."""
        self.git(
            "merge",
            "-q",
            "--no-ff",
            "-m",
            f"Merge {branch}",
            branch,
            env={
                "GIT_AUTHOR_NAME": "Merger",
                "GIT_AUTHOR_EMAIL": "merger@example.org",
                "GIT_AUTHOR_DATE": committed,
                "GIT_COMMITTER_NAME": "Merger",
                "GIT_COMMITTER_EMAIL": "merger@example.org",
                "GIT_COMMITTER_DATE": committed,
            },
        )
        return self.head()

    def checkout(self, branch: str, *, create: bool = False) -> None:
        self.git("checkout", "-q", *(["-b"] if create else []), branch)

    def write_mailmap(self, text: str, *, committed: str = "2026-03-01T00:00:00+00:00") -> str:
        (self.path / ".mailmap").write_text(text)
        self.git("add", ".mailmap")
        return self.commit(
            "Add mailmap",
            author=("Mailmap Keeper", "keeper@example.org"),
            committed=committed,
            path=".mailmap-touch",
        )

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")
