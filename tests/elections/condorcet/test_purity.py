"""The engine stays pure: standard library and numpy only, so anyone can run it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "elections" / "condorcet"


def test_importing_the_engine_imports_no_django():
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import elections.condorcet, elections.condorcet.formats, "
            "elections.condorcet.reference, elections.condorcet.cli, sys; "
            "assert not any(m.startswith('django') for m in sys.modules), "
            "sorted(m for m in sys.modules if m.startswith('django'))",
        ],
        cwd=PACKAGE.parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_every_module_imports_only_the_standard_library_numpy_or_itself():
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, f"{path.name} imports {roots}"
