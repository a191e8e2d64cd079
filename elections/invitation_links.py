"""The sign-in link an invitation carries: the invitation's id, signed with the site's key.

The signature makes a link unforgeable and untouchable (change one character and it is
refused); the invitation's row makes it single-use and bounded in time. The link names no
address: it acts on the one the invitation was sent to, and on no other.
"""

from __future__ import annotations

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
