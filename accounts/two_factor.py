"""Two-factor authentication, required of everyone who may use the officials' panel.

Officials (``accounts.roles.is_official``, superusers included) and staff reach no page
but their own account's (allauth's: sign-in and out, two-factor set-up, recovery codes,
addresses) until

- they have an authenticator app (TOTP, with allauth's recovery codes) set up, and
- this session has passed the second factor: at sign-in (allauth asks for a code as soon as
  an account has an app), by re-authenticating with a code or a recovery code, or by
  setting the app up in this session (entering a code from it proves the same thing).

Without an app they are sent to set one up; with one but a session that has not used it,
to enter a code. ``SecondFactorMiddleware`` enforces this on every page, so the admin and
every other page that shows officials more (drafts) are covered in one place; the admin
site's ``has_permission`` asks the same question as a second net. Voters are not concerned.
The actions' own authorisation is unchanged: scripts run by operators (``manage.py
election --actor``) have no session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.db import DatabaseError, InterfaceError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.roles import is_official

# allauth's record of a second factor used in this session (account/internal/flows/login.py).
SECOND_FACTOR_METHOD = "mfa"


def must_use_second_factor(user: Any) -> bool:
    """True for the people the rule covers: signed-in staff and officials."""
    if not getattr(user, "is_authenticated", False):
        return False
    # is_staff first: it costs no query, and every official allowed into the panel has it.
    return bool(user.is_staff) or is_official(user)


def has_authenticator_app(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def session_passed_second_factor(request: HttpRequest) -> bool:
    """True when this session's sign-in (or a re-authentication) used a second factor."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == SECOND_FACTOR_METHOD for record in records)


def second_factor_step(request: HttpRequest) -> str | None:
    """The URL name of the page the signed-in person must pass before an officials' page:
    setting up an authenticator app, or entering a code; None when they may go on."""
    user = request.user
    if not must_use_second_factor(user):
        return None
    if not has_authenticator_app(user):
        return "mfa_activate_totp"
    if not session_passed_second_factor(request):
        return "mfa_reauthenticate"
    return None


def second_factor_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where to send someone who has not passed the second factor, back here afterwards."""
    step = second_factor_step(request)
    if step is None:
        return None
    return HttpResponseRedirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


def _is_own_account_page(view_func: Callable[..., Any]) -> bool:
    # allauth's views (class-based ones carry their class's module) are the way through:
    # signing out, setting up the app, entering a code, fixing an unverified address.
    return str(getattr(view_func, "__module__", "")).startswith("allauth.")


class SecondFactorMiddleware:
    """Sends staff and officials who have not passed the second factor to do so, from every
    page but their account's. After ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if _is_own_account_page(view_func):
            return None
        try:
            return second_factor_redirect(request)
        except (DatabaseError, InterfaceError):
            # The database is away (the user row cannot even be read): the view meets the
            # same failure and answers it as it must (a ballot's "not recorded, try again");
            # nothing an official could reach works without the database either.
            return None


def record_second_factor_set_up(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    """Receiver of allauth's ``authenticator_added``: setting up the app took a code from it,
    which is what signing in with it proves, so this session counts as having passed it.
    Recorded the way allauth records a sign-in's second factor."""
    if authenticator.type != Authenticator.Type.TOTP or request is None:
        return
    record_authentication(
        request, user, SECOND_FACTOR_METHOD, id=authenticator.pk, type=authenticator.type
    )
