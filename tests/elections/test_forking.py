"""Work handed to a forked child process: the parent gets the child's value, and the same
value (or the same error) when the child does not deliver."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from elections import forking
from elections.forking import Forked

pytestmark = pytest.mark.skipif(not forking.can_fork(), reason="needs fork and two cores")


def whose(size: int) -> tuple[int, bytes]:
    """The process that computed the value, and ``size`` bytes of it."""
    return os.getpid(), np.arange(size, dtype=np.uint8).tobytes()


def test_the_value_is_computed_by_another_process_and_arrives_whole() -> None:
    size = 3_000_000  # far more than a pipe holds at once
    with Forked(whose, size) as pending:
        pid, data = pending.result()
    assert pid != os.getpid()
    assert data == np.arange(size, dtype=np.uint8).tobytes()
    assert pending.result() == (pid, data)  # kept, not computed again
    # The child is reaped once it has exited: no zombie is left.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    else:
        pytest.fail(f"child {pid} is still in the process table")


def test_without_a_fork_the_value_is_computed_here_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(forking, "can_fork", lambda: False)
    pending = Forked(whose, 10)
    assert pending.result()[0] == os.getpid()


def parent_only(parent: int) -> str:
    """Fails in any process but ``parent``, as a child killed or out of memory would."""
    if os.getpid() != parent:
        raise MemoryError("the child ran out of memory")
    return "computed by the parent"


def test_a_child_that_fails_leaves_the_work_to_the_parent() -> None:
    with Forked(parent_only, os.getpid()) as pending:
        assert pending.result() == "computed by the parent"


def refuse(message: str) -> None:
    raise ValueError(message)


def test_an_error_of_the_work_itself_is_raised_in_the_parent() -> None:
    with Forked(refuse, "no such candidate") as pending, pytest.raises(ValueError, match="no such"):
        pending.result()


def test_a_value_no_longer_wanted_does_not_leave_a_child_behind() -> None:
    started = time.monotonic()
    with Forked(whose, 5_000_000) as pending:
        child = pending._child
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)


def test_when_no_child_can_be_forked_the_value_is_computed_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused() -> int:
        raise BlockingIOError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    with Forked(whose, 10) as pending:
        assert pending.result()[0] == os.getpid()
