from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.http import HttpRequest


def security_nudges(request: HttpRequest) -> dict[str, bool]:
    """Tell staff who have not set up two-factor authentication why they are asked to: until
    they do, their account's pages are the only ones open to them (accounts/two_factor.py)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {"needs_mfa_setup": False}

    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return {"needs_mfa_setup": not has_totp}
