"""PURE: long pure computations run in a forked child process, on the machine's second core.

The seal of a large contest decrypts its ballots with one AES-GCM call per ballot, each
holding the interpreter's lock. Threads do not share such work out; a child forked from the
process that has the data does, without sending the data: it computes one value from what
it inherited, sends the value back through a pipe (pickled) and exits without running any
clean-up of the parent's (``os._exit``: the parent's database connection, files and locks
stay the parent's). The functions run this way use nothing but their arguments: no database, no
logging, no threads.

If the child does not deliver (killed, out of memory, an exception), the parent computes
the value itself, so an error is raised where it would have been without a child. Where
there is one core or no ``fork`` (not POSIX), the value is computed in the process that
asks for it, when it asks; callers do not hand small work to a child at all.

This module imports the standard library only.
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")

_LENGTH = struct.Struct("<q")


def can_fork() -> bool:
    """Whether a child would run on another core: POSIX ``fork`` and more than one CPU."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1


class Forked(Generic[Value]):
    """``function(*args)`` started in a child process (or, without ``can_fork()``, not
    started until ``result()``); ``result()`` waits for its value and returns it."""

    def __init__(self, function: Callable[..., Value], *args: object) -> None:
        self._function = function
        self._args = args
        self._child = 0
        self._reader = -1
        self._value: list[Value] = []
        if can_fork():
            self._start()

    def _start(self) -> None:
        reader, writer = os.pipe()
        try:
            child = os.fork()
        except OSError:
            # No child to be had (out of memory under strict overcommit, a process limit, a
            # sandbox): the value is computed here when it is asked for.
            os.close(reader)
            os.close(writer)
            return
        if child == 0:  # pragma: no cover - the child reports through the pipe only
            status = 1
            try:
                os.close(reader)
                data = pickle.dumps(self._function(*self._args), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(_LENGTH.pack(len(data)))
                    pipe.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(writer)
        self._child, self._reader = child, reader

    def __enter__(self) -> Forked[Value]:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop waiting for a child whose value is not wanted (its pipe closed, it exits)."""
        if self._child:
            os.close(self._reader)
            _reap(self._child)
            self._child = 0

    def result(self) -> Value:
        """The value: the child's, or computed here if the child did not deliver it."""
        if self._value:
            return self._value[0]
        data = self._collect()
        value = pickle.loads(data) if data is not None else self._function(*self._args)  # noqa: S301 - our own child's
        self._value.append(value)
        return value

    def _collect(self) -> bytes | None:
        """The child's pickled value, or None if it did not send all of it. A child that
        sent all of it has finished its work; it is reaped by a thread of its own while it
        exits (giving back a large process's memory takes a while), not waited for."""
        if not self._child:
            return None
        child, self._child = self._child, 0
        with os.fdopen(self._reader, "rb") as pipe:
            head = pipe.read(_LENGTH.size)
            data = pipe.read(_LENGTH.unpack(head)[0]) if len(head) == _LENGTH.size else b""
        if len(head) != _LENGTH.size or len(data) != _LENGTH.unpack(head)[0]:
            _reap(child)
            return None
        threading.Thread(target=_reap, args=(child,), daemon=True).start()
        return data


def _reap(child: int) -> None:
    """Wait for ``child`` to exit (unless a handler of SIGCHLD, such as a process pool's,
    reaped it already)."""
    try:
        os.waitpid(child, 0)
    except ChildProcessError:
        pass
