"""allauth hooks for stackvote's sign-in."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.http import Http404, HttpRequest


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """A provider whose client id and secret are not configured has no sign-in page.

    Every provider app stays installed (config/settings.py), so its URLs exist; without this
    a visit to, say, ``/accounts/github/login/`` raised ``SocialApp.DoesNotExist``: a 500.
    allauth's own OpenID Connect views answer 404 for the same case; so do all of them now.
    """

    def get_app(self, request: HttpRequest, provider: str, client_id: Any = None) -> SocialApp:
        try:
            return super().get_app(request, provider=provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404(f"Signing in with {provider} is not set up on this site.") from None
