"""allauth hooks for stackvote's sign-in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.httpkit import clean_client_ip
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest


def _on_site(url: str) -> str:
    """``url`` on the site's public address (STACKVOTE_SITE_URL, as elections' mail uses),
    not on whatever host the request came in by; unchanged when the setting is not given."""
    site = urlsplit(str(getattr(settings, "STACKVOTE_SITE_URL", "") or ""))
    if not site.scheme or not site.netloc:
        return url
    parts = urlsplit(url)
    return urlunsplit((site.scheme, site.netloc, parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    """The client's address for the rate limits, as allauth reads it (ALLAUTH_TRUSTED_PROXY_COUNT,
    set from DJANGO_TRUSTED_PROXY_COUNT behind the TLS proxy), with one case allauth leaves
    to a 500: fewer X-Forwarded-For entries than trusted proxies."""

    def get_email_confirmation_url(
        self, request: HttpRequest | None, emailconfirmation: Any
    ) -> str:
        return _on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return _on_site(super().get_reset_password_from_key_url(key))

    def get_client_ip(self, request: HttpRequest) -> str:
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            # The request skipped an outer proxy (anyone can send one that does). The last
            # entry is what our nearest proxy saw, the only one nobody else wrote; without
            # one, the peer's address.
            if not getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0):
                raise
            entries = request.headers.get("x-forwarded-for", "").split(",")
            nearest = clean_client_ip(entries[-1]) or clean_client_ip(
                request.META.get("REMOTE_ADDR", "")
            )
            if not nearest:
                raise PermissionDenied("Unable to determine client IP address") from None
            return nearest


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
