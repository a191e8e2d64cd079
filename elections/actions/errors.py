"""Errors a person can cause in the elections app; ``str(error)`` is the message for them."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


# --- Errors a user can cause -------------------------------------------------------------


class ElectionError(Exception):
    """A refused request; ``str(error)`` is a message for the person who made it."""


class IllegalPhaseMove(ElectionError):
    pass


class CandidacyRefused(ElectionError):
    pass


class InvitationRefused(ElectionError):
    """A sign-in link that cannot be used (made up, used, expired) or a missing name."""
