"""docs/secrecy.md's threat-model table names, for every row, a test that exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def test_every_row_of_the_threat_model_names_tests_that_exist() -> None:
    text = (ROOT / "docs" / "secrecy.md").read_text(encoding="utf-8")
    table = text[text.index("## Who can learn what") : text.index("## The seal runs in a worker")]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) >= 12
    for row in rows[1:]:
        if "(accepted" in row:
            continue
        references = TEST_REFERENCE.findall(row)
        assert references, f"no test named in: {row[:80]}"
        for path, name in references:
            tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
            functions = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
            assert name in functions, f"{path}::{name} does not exist"
