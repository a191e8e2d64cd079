"""The officials' panel: Django's admin site, signed into through allauth and closed to others."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import SimpleTemplateResponse

from accounts.roles import is_official
from accounts.two_factor import second_factor_step


class ReadOnlyMixin:
    """For a ModelAdmin of rows that only actions write: officials look, nobody adds,
    edits or deletes by hand."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OfficialsAdmin(admin.ModelAdmin):
    """The one permission model of the officials' panel: a page or action is open to a member
    of the officials' group (or a superuser) who also holds the model permission, which the
    group holds for the apps officials run (accounts.roles). Everyone else gets 403."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_official(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_official(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_official(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_official(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_official(request.user) and super().has_delete_permission(request, obj)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Name each half of a date-and-time field for screen readers: Django's split widget
        puts "Date:" and "Time:" beside its two inputs as plain text, so neither input has
        a label of its own."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, forms.MultiWidget) and len(widget.widgets) == 2:
            label = str(formfield.label or db_field.verbose_name).capitalize()
            if isinstance(widget.widgets[0], forms.DateInput):
                widget.widgets[0].attrs["aria-label"] = f"{label}: date"
                widget.widgets[1].attrs["aria-label"] = f"{label}: time"
        return formfield


class ActionBackedAdmin(OfficialsAdmin):
    """An admin whose rows are created and changed by actions, not by ``obj.save()``.

    ``save_model`` calls the action and then ``adopt`` the row it saved, so that the admin's
    own steps after it (its log, inlines, the redirect to the new row) see the stored row."""

    @staticmethod
    def adopt(obj: Any, saved: Any) -> None:
        obj.pk = saved.pk
        obj.refresh_from_db()


class OfficialsReadOnlyAdmin(ReadOnlyMixin, OfficialsAdmin):
    """Rows that only actions write: officials look, nobody adds, edits or deletes by hand."""


class OfficialsAdminSite(admin.AdminSite):
    site_header = "stackvote officials' panel"
    site_title = "stackvote admin"
    index_title = "Run elections"

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Callable[..., Any]:
        """A signed-in person who may not use the panel gets 403, not a second sign-in form."""
        inner = super().admin_view(view, cacheable)
        model_admin = _model_admin_of(view)

        @wraps(view)
        def officials_only(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied("The officials' panel is for election officials.")
            action_post = request.method == "POST" and "_selected_action" in request.POST
            # The admin trusts the ids of the rows ticked for an action. A hand-made POST naming
            # "abc" or a 40-digit id would fail in the database query, in whichever installed
            # app's action it reaches (and on PostgreSQL abort the transaction): refuse it first.
            if action_post and model_admin is not None:
                if not selection_is_valid(model_admin, request.POST.getlist("_selected_action")):
                    return _invalid_selection(request)
            try:
                response = inner(request, *args, **kwargs)
                if action_post and isinstance(response, SimpleTemplateResponse):
                    # An action's confirmation page lists the selected rows when it is
                    # rendered, after this view returns: render it here, inside the guard.
                    response.render()
                return response
            except (ValueError, ValidationError):
                # A second net, for an admin view whose model could not be told in advance.
                if not action_post:
                    raise
                return _invalid_selection(request)

        return officials_only

    def has_permission(self, request: HttpRequest) -> bool:
        # Two-factor authentication first (accounts/two_factor.py; its middleware has already
        # sent anyone without it to set it up or enter a code: this is the second net).
        return super().has_permission(request) and second_factor_step(request) is None

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # allauth's sign-in (verification, rate limits, two-factor), never Django's bare form.
        return secure_admin_login(super().login)(request, extra_context)


def _model_admin_of(view: Callable[..., Any]) -> admin.ModelAdmin | None:
    """The ModelAdmin whose bound method ModelAdmin.get_urls hands to admin_view, or None for
    the site's own views."""
    owner = getattr(view, "__self__", None)
    return owner if isinstance(owner, admin.ModelAdmin) else None


def selection_is_valid(model_admin: admin.ModelAdmin, values: list[str]) -> bool:
    """True when every ticked id could be a row of the admin's model: it converts to the primary
    key's type and, for an integer key, fits the column."""
    pk = model_admin.model._meta.pk
    column = pk.target_field if pk.is_relation else pk
    try:
        keys = [column.to_python(value) for value in values]
    except ValidationError:
        return False
    if any(isinstance(key, str) and "\x00" in key for key in keys):
        return False
    try:
        low, high = connection.ops.integer_field_range(column.get_internal_type())
    except KeyError:  # not an integer key
        return True
    return all(
        isinstance(key, int) and (low is None or key >= low) and (high is None or key <= high)
        for key in keys
    )


def _invalid_selection(request: HttpRequest) -> HttpResponse:
    messages.error(request, "That is not a valid selection: tick the rows in the list again.")
    return HttpResponseRedirect(request.get_full_path())


# Apps whose admin pages are for superusers (operators) alone, whatever permissions a staff
# account holds: the scheduler's periodic tasks can run any Celery task with any arguments,
# or stop the election scheduler.
SUPERUSER_ONLY_APPS: frozenset[str] = frozenset({"django_celery_beat"})


def restrict_to_superusers(site: admin.AdminSite = admin.site) -> None:
    """Close the admin pages of ``SUPERUSER_ONLY_APPS`` to everyone but superusers."""
    for model, model_admin in site._registry.items():
        if model._meta.app_label not in SUPERUSER_ONLY_APPS:
            continue
        for name in (
            "has_module_permission",
            "has_view_permission",
            "has_add_permission",
            "has_change_permission",
            "has_delete_permission",
        ):
            original = getattr(model_admin, name)
            setattr(model_admin, name, _superuser_and(original))


def _superuser_and(check: Callable[..., bool]) -> Callable[..., bool]:
    @wraps(check)
    def guarded(request: HttpRequest, *args: Any) -> bool:
        return bool(getattr(request.user, "is_superuser", False)) and check(request, *args)

    return guarded
