"""The sign-in link an invitation carries: the invitation's id, signed with the site's key.

The signature makes a link unforgeable and untouchable (change one character and it is
refused); the invitation's row makes it single-use and bounded in time. The link names no
address: it acts on the one the invitation was sent to, and on no other.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse

from elections import conf

SALT = "stackvote.elections.invitation"


def invitation_token(invitation_id: int) -> str:
    return signing.dumps(invitation_id, salt=SALT)


def invitation_id_from(token: str) -> int | None:
    """The invitation a token was made for, or None for anything tampered with or made up."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def invitation_url(invitation_id: int) -> str:
    """The absolute link for the mail (``STACKVOTE_SITE_URL``)."""
    path = reverse("invitation", kwargs={"token": invitation_token(invitation_id)})
    return conf.site_url().rstrip("/") + path


OPT_OUT_SALT = "stackvote.elections.opt-out"


def opt_out_token(election_id: int, email: str) -> str:
    return signing.dumps([election_id, email], salt=OPT_OUT_SALT)


def opt_out_from(token: str) -> tuple[int, str] | None:
    """(election id, address) a token was made for, or None for anything tampered with."""
    try:
        value = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and isinstance(value[1], str)
    ):
        return value[0], value[1]
    return None


def opt_out_url(election: Any, email: str) -> str:
    """The link that stops further mail about ``election`` to ``email``."""
    path = reverse("election_opt_out", kwargs={"token": opt_out_token(election.pk, email)})
    return conf.site_url().rstrip("/") + path
