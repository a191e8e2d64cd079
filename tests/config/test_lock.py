"""What is installed is uv.lock: it matches pyproject.toml, pins every package to one version
with hashes, and a lock that pyproject.toml has moved away from is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _uv() -> str:
    """The uv that make bootstraps from tools/uv-requirements.txt (or one on PATH)."""
    local = ROOT / ".tools" / "bin" / "uv"
    found = str(local) if local.exists() else shutil.which("uv")
    if not found:
        pytest.fail("uv is missing: run the suite through `make test`, which installs it.")
    return found


def _lock_check(project: Path, *, offline: bool = True) -> subprocess.CompletedProcess[str]:
    # A lock that matches is confirmed from the lock alone; telling what a moved range needs
    # may take metadata this machine has never downloaded (a fresh cache), so that check may
    # ask the package index.
    return subprocess.run(
        [_uv(), "lock", "--check", *(["--offline"] if offline else [])],
        cwd=project,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _locked_packages(lock_file: Path = ROOT / "uv.lock") -> dict[str, list[dict]]:
    """Each package's locked versions: one, or one per Python range (numpy for 3.11 and for
    3.12+, under its ``resolution-markers``)."""
    lock = tomllib.loads(lock_file.read_text(encoding="utf-8"))
    packages: dict[str, list[dict]] = {}
    for package in lock["package"]:
        packages.setdefault(canonicalize_name(package["name"]), []).append(package)
    return packages


def _locked_here(candidates: list[dict]) -> dict:
    """The version of a package this interpreter installs."""
    for package in candidates:
        markers = package.get("resolution-markers", [])
        if not markers or any(Marker(marker).evaluate() for marker in markers):
            return package
    raise AssertionError(f"no locked version of {candidates[0]['name']} for this Python")


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(line) for line in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        declared += [Requirement(line) for line in extra]
    return declared


def test_the_lock_is_up_to_date_with_pyproject() -> None:
    result = _lock_check(ROOT)
    assert result.returncode == 0, result.stderr


def test_a_lock_that_pyproject_has_moved_away_from_is_refused(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    moved = text.replace('"PyYAML>=6.0,<7.0"', '"PyYAML>=6.0.1,<7.0"')
    assert moved != text
    pyproject.write_text(moved, encoding="utf-8")
    result = _lock_check(tmp_path, offline=False)
    assert result.returncode != 0
    assert "needs to be updated" in result.stderr


def test_every_declared_dependency_is_locked_to_one_version_in_its_range() -> None:
    locked = _locked_packages()
    for requirement in _declared():
        candidates = locked.get(canonicalize_name(requirement.name))
        assert candidates, f"{requirement.name} is not in uv.lock"
        for package in candidates:
            version = Version(package["version"])
            assert requirement.specifier.contains(version, prereleases=True), (
                f"uv.lock has {requirement.name} {version}, outside {requirement.specifier}"
            )


def test_every_locked_download_has_a_hash() -> None:
    every = [(name, package) for name, group in _locked_packages().items() for package in group]
    for name, package in every:
        if "registry" not in package.get("source", {}):
            continue  # the project itself
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files, f"{name} has nothing to install from"
        for file in files:
            assert file.get("hash", "").startswith("sha256:"), f"{name}: {file.get('url')}"


def test_the_installed_versions_are_the_locked_ones() -> None:
    from importlib.metadata import PackageNotFoundError, version

    # `make test-latest` builds its environment from a lock of the newest versions and says so.
    locked = _locked_packages(Path(os.environ.get("STACKVOTE_TEST_LOCK", ROOT / "uv.lock")))
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            pytest.fail(f"{requirement.name} is locked but not installed")
        assert Version(installed) == Version(_locked_here(locked[name])["version"]), name


def _make_variable(name: str, *arguments: str) -> str:
    """The value make gives ``name`` in this Makefile, with PYTHON left to the Makefile."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHON"}
    printed = subprocess.run(
        ["make", "--no-print-directory", "-np", *arguments, "lock-check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    values = [
        line.split("=", 1)[1].strip()
        for line in printed.splitlines()
        if line.replace(":=", "=").split("=", 1)[0].strip() == name and "=" in line
    ]
    assert values, f"make printed no value for {name}"
    return values[-1]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_venv_is_built_on_the_distributions_python_when_it_is_a_supported_version() -> None:
    system = Path("/usr/bin/python3")
    supported = (
        system.exists()
        and subprocess.run(
            [
                str(system),
                "-c",
                "import ensurepip, sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))",
            ],
            check=False,
        ).returncode
        == 0
    )
    expected = str(system) if supported else "python3"
    assert _make_variable("PYTHON") == expected
    # Whoever names an interpreter gets that one.
    assert _make_variable("PYTHON", "PYTHON=python3.12") == "python3.12"
