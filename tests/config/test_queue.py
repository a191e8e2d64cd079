"""Work is queued by task name: every name the code queues is a registered task."""

from __future__ import annotations

import ast

from accounts.actions.ingest_runs import INGEST_TASKS
from config.celery import app as celery_app
from tests.config.test_contracts import project_sources


def _queued_names() -> set[str]:
    names: set[str] = set(INGEST_TASKS.values())
    for _, text in project_sources():
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "enqueue_on_commit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
    return names


def test_every_queued_name_is_a_registered_task() -> None:
    celery_app.loader.import_default_modules()
    queued = _queued_names()
    assert {
        "results.seal_and_count",
        "results.tally_contest",
        "elections.send_notifications",
    } <= queued
    missing = sorted(name for name in queued if name not in celery_app.tasks)
    assert not missing, f"queued but not registered: {missing}"


def test_actions_never_import_tasks() -> None:
    """Actions name the work they queue; tasks import actions, never the other way round."""
    for path, text in project_sources():
        if "/actions/" not in path:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.endswith("tasks"), f"{path}: imports {node.module}"
                names = {alias.name for alias in node.names}
                assert "tasks" not in names, f"{path}: imports tasks"
