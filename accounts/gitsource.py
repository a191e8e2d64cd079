"""Finding a repository's git data: a local directory, or a bare clone of a URL kept in a cache.

PURE: standard library only, no Django. Repositories are named as in the governance files
(``openstack/nova``) and found at ``<base>/<namespace>/<name>``.
"""

from __future__ import annotations

import re
import shutil
import subprocess  # noqa: S404 - git is the data source; arguments are never shell-parsed
import tempfile
from pathlib import Path

from accounts.commitlog import git_executable

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^[^/\s]+@[^/\s]+:")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class GitSourceError(Exception):
    """A repository is missing, unreadable or corrupt; the message names it."""


def is_url(base: str) -> bool:
    """``https://opendev.org``, ``ssh://...`` and ``git@host:path`` are URLs; the rest paths."""
    return bool(_URL_RE.match(base))


def _check_name(name: str) -> None:
    if not _NAME_RE.match(name) or ".." in name.split("/"):
        raise GitSourceError(f"{name!r} is not a repository name like openstack/nova")


def _git(*args: str, cwd: Path | None = None, what: str) -> str:
    command = [git_executable(), *(["-C", str(cwd)] if cwd else []), *args]
    completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        command, capture_output=True, check=False
    )
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitSourceError(f"{what}: {detail[-1] if detail else 'git failed'}")
    return completed.stdout.decode("utf-8", "replace").strip()


def locate(*, base: str, name: str, cache_dir: Path) -> Path:
    """The directory holding ``name``'s git data, cloning or fetching it first for URL bases."""
    _check_name(name)
    if is_url(base):
        return _fetch(url=f"{base.rstrip('/')}/{name}", name=name, cache_dir=cache_dir)
    root = Path(base)
    for candidate in (root / name, root / f"{name}.git"):
        if candidate.is_dir():
            return candidate
    raise GitSourceError(f"repository {name} not found at {root / name}")


def _fetch(*, url: str, name: str, cache_dir: Path) -> Path:
    target = cache_dir / f"{name}.git"
    if target.is_dir():
        _git(
            "fetch",
            "--quiet",
            "--prune",
            "origin",
            "+refs/heads/*:refs/heads/*",
            cwd=target,
            what=f"repository {name}: fetching {url} failed",
        )
        head = _git(
            "ls-remote",
            "--symref",
            "origin",
            "HEAD",
            cwd=target,
            what=f"repository {name}: reading the default branch of {url} failed",
        )
        match = re.search(r"^ref:\s+(refs/heads/\S+)\s+HEAD$", head, re.MULTILINE)
        if match:
            # The remote's default branch may have changed (master → main).
            _git(
                "symbolic-ref",
                "HEAD",
                match.group(1),
                cwd=target,
                what=f"repository {name}: setting HEAD failed",
            )
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Clone next to the target and rename, so an interrupted clone never looks complete.
    scratch = Path(tempfile.mkdtemp(prefix=".clone-", dir=target.parent))
    try:
        _git(
            "clone",
            "--quiet",
            "--bare",
            "--filter=blob:none",
            "--",
            url,
            str(scratch / "repo"),
            what=f"repository {name}: cloning {url} failed",
        )
        (scratch / "repo").rename(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def head_commit(path: Path, *, name: str) -> str | None:
    """The commit ``HEAD`` points at; ``None`` for a repository without commits."""
    git_dir = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [git_executable(), "-C", str(path), "rev-parse", "--absolute-git-dir"],
        capture_output=True,
        check=False,
    )
    found = Path(git_dir.stdout.decode().strip()) if git_dir.returncode == 0 else None
    # A plain directory inside some other checkout must not be taken for that checkout.
    if found is None or found.resolve() not in (path.resolve(), (path / ".git").resolve()):
        raise GitSourceError(f"repository {name} at {path} is not a git repository")
    completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [git_executable(), "-C", str(path), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
        capture_output=True,
        check=False,
    )
    if completed.returncode == 0:
        return completed.stdout.decode().strip()
    refs = _git("for-each-ref", "--count=1", cwd=path, what=f"repository {name} is corrupt")
    if not refs:
        return None  # a freshly created repository: nothing to ingest yet
    raise GitSourceError(f"repository {name} at {path} is corrupt: HEAD does not resolve")


def is_ancestor(path: Path, ancestor: str, descendant: str) -> bool:
    """Whether ``ancestor`` is still in the history of ``descendant`` (false after a rewrite)."""
    completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [git_executable(), "-C", str(path), "merge-base", "--is-ancestor", ancestor, descendant],
        capture_output=True,
        check=False,
    )
    return completed.returncode == 0


def mailmap_blob(path: Path) -> str:
    """Object id of ``HEAD:.mailmap`` (empty without one): when it changes, authors re-map."""
    completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [git_executable(), "-C", str(path), "rev-parse", "--verify", "--quiet", "HEAD:.mailmap"],
        capture_output=True,
        check=False,
    )
    return completed.stdout.decode().strip() if completed.returncode == 0 else ""
