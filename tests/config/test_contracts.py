"""The import contracts cover the code as it grows: a new module of the elections app is
either in voting/results (above it) or listed among the modules that may not import them."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABOVE_ELECTIONS = {"voting", "results", "condorcet", "migrations", "__init__"}


def _contract(name_start: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"].startswith(name_start))


def test_every_elections_module_is_held_below_voting_and_results() -> None:
    listed = set(_contract("Elections know nothing of voting")["source_modules"])
    modules = {
        f"elections.{path.stem}"
        for path in (ROOT / "elections").iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists())
        and path.stem not in ABOVE_ELECTIONS
    }
    assert modules <= listed, f"add to the contract: {sorted(modules - listed)}"
