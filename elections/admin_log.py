"""The officials' panel, read-only part: the audit log (with a check of its hash chain) and
the mail queue (with a retry of failed e-mails)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEntry
from audit.selectors import audit_chain_breaks
from config.admin_site import OfficialsReadOnlyAdmin
from elections import actions, selectors
from elections.models import (
    Invitation,
    InvitationKind,
    InvitationState,
    Notification,
    NotificationState,
)
from elections.permissions import can_use_officials_panel


class ReadOnly(OfficialsReadOnlyAdmin):
    """Officials only, and only to look."""


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly):
    list_display = ("created_at", "actor_label", "action", "target", "detail", "entry_hash")
    list_filter = ("action",)
    search_fields = ("target", "actor_label", "action")
    readonly_fields = (
        "created_at",
        "actor_label",
        "action",
        "target",
        "detail",
        "previous_hash",
        "entry_hash",
    )
    fields = readonly_fields

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if self.has_view_permission(request):
            broken = audit_chain_breaks()
            if broken:
                messages.error(request, f"The audit chain is broken at entries {broken[:20]}.")
            else:
                messages.info(request, "The audit chain is intact.")
        return super().changelist_view(request, extra_context)


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = (
        "created_at",
        "kind",
        "recipient",
        "contest",
        "state",
        "attempts",
        "last_error",
        "sent_at",
    )
    list_filter = ("state", "kind", "contest__election")
    search_fields = ("recipient__email",)
    list_select_related = ("recipient", "contest")
    actions = ("retry_selected",)
    readonly_fields = (
        "kind",
        "recipient",
        "contest",
        "candidacy",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    fields = readonly_fields

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return can_use_officials_panel(request.user)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if self.has_view_permission(request):
            failed = selectors.failed_notification_count()
            if failed:
                messages.warning(
                    request,
                    f"{failed} e-mail{'s' if failed != 1 else ''} could not be sent; "
                    "see the last error, fix the mail settings and retry them.",
                )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Send the selected failed e-mails again", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        ids = list(queryset.filter(state=NotificationState.FAILED).values_list("pk", flat=True))
        count = actions.notifications_retry(notification_ids=ids, actor=request.user)
        self.message_user(request, f"{count} e-mail{'s' if count != 1 else ''} queued again.")


@admin.register(Invitation)
class InvitationAdmin(ReadOnly):
    """Invitations to the people on the rolls: whether each went, and the last error."""

    list_display = (
        "created_at",
        "kind",
        "email",
        "contest",
        "state",
        "attempts",
        "last_error",
        "sent_at",
    )
    list_filter = ("state", "kind", "contest__election")
    search_fields = ("email",)
    list_select_related = ("contest",)
    actions = ("retry_selected",)
    readonly_fields = (
        "kind",
        "email",
        "contest",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "expires_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        # A reminder goes to someone who has not voted: listing them would list abstainers.
        # The notices page shows their counts, and retries the failed ones all together.
        return super().get_queryset(request).exclude(kind=InvitationKind.POLLING_REMINDER)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return can_use_officials_panel(request.user)

    @admin.action(description="Send the selected failed invitations again", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        ids = list(queryset.filter(state=InvitationState.FAILED).values_list("pk", flat=True))
        count = actions.invitations_retry(invitation_ids=ids, actor=request.user)
        self.message_user(request, f"{count} invitation{'s' if count != 1 else ''} queued again.")
