"""The tables inside the officials' panel's election and contest pages: an election's contests
(read-only; each has its own page) and a community vote's options (added while the vote is
still being set up)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from elections.models import Contest, Option, Phase
from elections.permissions import can_use_officials_panel


class ContestInline(admin.TabularInline):
    model = Contest
    fields = ("name", "kind", "team", "seats", "state", "electorate")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_use_officials_panel(request.user)

    @admin.display(description="Electorate")
    def electorate(self, contest: Contest) -> str:
        if contest.roll_id is None:
            return "not frozen"
        return f"{contest.roll.size} voters, {contest.roll.fingerprint[:12]}…"


class OptionInline(admin.TabularInline):
    model = Option
    fields = ("name", "description")
    extra = 1
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_use_officials_panel(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            can_use_officials_panel(request.user)
            and obj is not None
            and obj.kind == "community"
            and obj.election.phase in (Phase.DRAFT, Phase.NOMINATIONS)
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
