"""The import contracts cover the code as it grows: a new module of the elections app is
either in voting/results (above it) or listed among the modules that may not import them."""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "audit", "accounts", "elections")
ABOVE_ELECTIONS = {"voting", "results", "condorcet", "migrations", "__init__"}


def project_sources() -> Iterator[tuple[str, str]]:
    """(path from the root, text) of every module of the project's packages but migrations."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def project_functions() -> Iterator[tuple[str, list[str], ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(path, the module's lines, function) for every function of the project."""
    for name, text in project_sources():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield name, text.splitlines(), node


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


def test_no_module_of_the_project_takes_part_in_an_import_cycle() -> None:
    import grimp

    graph = grimp.build_graph("config", "audit", "accounts", "elections", cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain and imported != module:
                cycles.append(" -> ".join((module, *chain)))
    assert not cycles, "\n".join(cycles[:10])


def test_imports_sit_at_the_top_unless_a_comment_says_why() -> None:
    hidden = []
    for name, lines, function in project_functions():
        for inner in ast.walk(function):
            if isinstance(inner, ast.Import | ast.ImportFrom):
                line = lines[inner.lineno - 1]
                # A why-comment on the line, or heading the block of imports it is in.
                block = lines[max(0, inner.lineno - 4) : inner.lineno - 1]
                if "#" not in line and not any(b.strip().startswith("#") for b in block):
                    hidden.append(f"{name}:{inner.lineno}")
    assert not hidden, hidden


def test_the_phase_and_a_contests_state_each_have_one_writer() -> None:
    """``Election.phase`` is written by the phase machine alone, ``Contest.state`` by the
    settlement stage alone: no other module assigns them or updates them in bulk."""
    writers: dict[str, set[str]] = {"phase": set(), "contest.state": set()}
    for name, text in project_sources():
        if re.search(r"\.phase = |update\([^)]*\bphase=", text):
            writers["phase"].add(name)
        if re.search(r"contest\.state = |contests?\b[^\n]*\.update\([^)]*\bstate=", text):
            writers["contest.state"].add(name)
    assert writers == {
        "phase": {"elections/actions/phases.py"},
        "contest.state": {"elections/actions/settlement.py"},
    }


def test_long_functions_say_why_they_are_long() -> None:
    """A function over 60 lines carries a docstring that says why it is one piece."""
    unexplained = [
        f"{name}:{function.lineno} {function.name}"
        for name, _, function in project_functions()
        if function.end_lineno - function.lineno + 1 > 60
        and "long because" not in (ast.get_docstring(function) or "").lower()
    ]
    assert not unexplained, unexplained


def test_no_module_of_the_project_is_much_over_500_lines() -> None:
    benches = (
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "bench").glob("*.py"))
    )
    for name, text in (*project_sources(), *benches):
        assert len(text.splitlines()) <= 520, f"{name}: {len(text.splitlines())} lines"
