"""The officials' panel: Django's admin site, signed into through allauth and closed to others."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


class ReadOnlyMixin:
    """For a ModelAdmin of rows that only services write: officials look, nobody adds,
    edits or deletes by hand."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OfficialsAdminSite(admin.AdminSite):
    site_header = "stackvote officials' panel"
    site_title = "stackvote admin"
    index_title = "Run elections"

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Callable[..., Any]:
        """A signed-in person who may not use the panel gets 403, not a second sign-in form."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def officials_only(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied("The officials' panel is for election officials.")
            try:
                return inner(request, *args, **kwargs)
            except (ValueError, ValidationError):
                # The admin trusts the ids of the rows ticked for an action: a hand-made POST
                # naming "abc" fails in the database query, before the action does anything.
                if request.method != "POST" or "_selected_action" not in request.POST:
                    raise
                messages.error(
                    request, "That is not a valid selection: tick the rows in the list again."
                )
                return HttpResponseRedirect(request.get_full_path())

        return officials_only

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # allauth's sign-in (verification, rate limits, two-factor), never Django's bare form.
        return secure_admin_login(super().login)(request, extra_context)
