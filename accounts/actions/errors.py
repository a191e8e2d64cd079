"""Errors a person can cause with eligibility data; messages name the file, line or repository."""

from __future__ import annotations

import logging
from collections.abc import Callable

from accounts.commitlog import CommitLogError
from accounts.gerritlog import GerritFormatError
from accounts.gitsource import GitSourceError
from accounts.governance import (
    GovernanceError,
)

logger = logging.getLogger(__name__)


Progress = Callable[[int], None]

# Errors caused by the input (a file, a repository), reported to whoever started the work.
INPUT_ERRORS: tuple[type[Exception], ...] = (
    GovernanceError,
    CommitLogError,
    GerritFormatError,
    GitSourceError,
)


class EligibilityError(ValueError):
    """A request that cannot be carried out as asked (unknown team, bad address, ...)."""
