"""The key directory: one file per open ballot box, holding its contest key.

A file is named by its box's random key id (``BallotBox.key_id``), never by the contest's id:
two databases (a site and a bench's scratch database, say) sharing a directory never touch
each other's keys.

A key file is written once, when the box opens (atomically, mode 0600, in a 0700 directory,
synced to disk), read by every cast, change and by the seal, and destroyed right after the
seal commits: overwritten, synced and unlinked. Without the file the ciphertext the box left
in the WAL and in backups cannot be read, by anyone (docs/secrecy.md); with the file lost
while polling is open, neither can the ballots already cast (docs/operations.md says what
officials then do). A lost key is never silent: casting, changing and sealing stop with
``BallotKeyMissing`` and ``manage.py check`` reports every open box without its key.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from elections.voting import conf
from elections.voting.boxcrypt import KEY_BYTES, new_box_key


class BallotKeyMissing(Exception):
    """The key of an open ballot box is not in the key directory (or is not a key)."""


def key_path(key_id: uuid.UUID | str) -> Path:
    return conf.ballot_key_dir() / f"box-{uuid.UUID(str(key_id)).hex}.key"


def key_create(key_id: uuid.UUID | str) -> bytes:
    """Write a fresh key under ``key_id`` (a new random id: it never replaces a key)."""
    directory = conf.ballot_key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = new_box_key()
    path = key_path(key_id)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, key)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.link(partial, path)  # fails rather than replace an existing key
    os.unlink(partial)
    _sync_directory(directory)
    return key


def key_load(key_id: uuid.UUID | str) -> bytes:
    """The key ``key_id``; raises ``BallotKeyMissing`` naming the file when it is not there."""
    path = key_path(key_id)
    try:
        key = path.read_bytes()
    except OSError as error:
        raise BallotKeyMissing(
            f"The ballot box key {path} cannot be read ({error.strerror}). The ballots of "
            "this contest cannot be read or changed without it: see docs/operations.md, "
            '"Ballot box keys".'
        ) from error
    if len(key) != KEY_BYTES:
        raise BallotKeyMissing(f"The ballot box key {path} is not a key ({len(key)} bytes).")
    return key


def key_exists(key_id: uuid.UUID | str) -> bool:
    return key_path(key_id).is_file()


def key_destroy(key_id: uuid.UUID | str) -> bool:
    """Overwrite the key file with zeros, sync and unlink it; True when there was one."""
    path = key_path(key_id)
    try:
        descriptor = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return False
    try:
        os.write(descriptor, bytes(KEY_BYTES))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    _sync_directory(path.parent)
    return True


def key_ids() -> list[uuid.UUID]:
    """The ids of the keys in the directory."""
    directory = conf.ballot_key_dir()
    if not directory.is_dir():
        return []
    ids = []
    for path in directory.glob("box-*.key"):
        try:
            ids.append(uuid.UUID(path.stem.removeprefix("box-")))
        except ValueError:
            continue
    return sorted(ids)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
