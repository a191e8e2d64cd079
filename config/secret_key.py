"""Give an installation a secret key of its own, once.

``make run`` calls ``python -m config.secret_key .env`` before anything else. A key in the
repository would let anyone who read it sign what only the site may sign (e-mail confirmation
links, password resets, sessions), so every installation gets its own random key in ``.env``
(git-ignored), written once and never overwritten: changing it would sign everyone out and void
the links already mailed.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

VARIABLE = "DJANGO_SECRET_KEY"


def secret_key_in(env_file: Path) -> str:
    """The key a ``.env`` file sets, or "" when it sets none."""
    if not env_file.exists():
        return ""
    for line in env_file.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.strip().removeprefix("export ").strip() == VARIABLE:
            return value.strip().strip("'\"")
    return ""


def secret_key_ensure(env_file: Path) -> bool:
    """Append a new random key to ``env_file`` unless it (or the environment) has one.

    Returns True when a key was written. The file is created readable by its owner only.
    """
    if os.environ.get(VARIABLE) or secret_key_in(env_file):
        return False
    # token_urlsafe uses letters, digits, "-" and "_": nothing .env parsing would interpolate.
    line = f"{VARIABLE}={secrets.token_urlsafe(50)}\n"
    existing = env_file.read_text(encoding="utf-8") if env_file.exists() else ""
    if existing and not existing.endswith("\n"):
        line = "\n" + line
    fd = os.open(env_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as stream:
        stream.write(line)
    return True


def main(argv: list[str]) -> int:
    env_file = Path(argv[1] if len(argv) > 1 else ".env")
    if secret_key_ensure(env_file):
        print(f"Wrote a new random {VARIABLE} to {env_file} (keep it; never commit it).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
