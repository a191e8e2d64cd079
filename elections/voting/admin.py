"""Officials' panel for voting: turnout counts per contest, nothing else.

Ballots are not registered at all, and the voter records appear only as counts: the admin
never lists who voted, and never shows a ballot next to anything (docs/secrecy.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from config.admin_site import OfficialsReadOnlyAdmin
from elections.models import Contest
from elections.voting.models import TurnoutRecord
from elections.voting.selectors import electorate_size


@admin.register(TurnoutRecord)
class TurnoutAdmin(OfficialsReadOnlyAdmin):
    """One page: per contest, how many have voted out of the electorate."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The counts page only: no row of who voted is ever shown.
        return obj is None and super().has_view_permission(request, obj)

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name="%s_%s_changelist" % info,  # noqa: UP031 - Django's admin URL naming
            ),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        contests = (
            Contest.objects.filter(state__in=["polling", "closed", "tallied", "published"])
            .select_related("election", "roll", "ballot_box_seal")
            .annotate(voted=Count("voter_records"))
            .order_by("-election__polling_closes_at", "name")
        )
        rows = [
            {
                "contest": contest,
                "voted": contest.voted,
                "electorate": electorate_size(contest),
                "seal": getattr(contest, "ballot_box_seal", None),
            }
            for contest in contests
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Turnout",
            "opts": self.opts,
            "rows": rows,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/voting/turnout.html", context)
