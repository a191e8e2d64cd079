"""The officials' panel for results: re-run a tally, publish, unpublish with a reason, and
follow each tally's progress and errors.

Only officials see anything here (403 for everyone else). Each action checks, contest by
contest, that the official runs the election and does not stand in that contest
(``elections.results.permissions``), then calls one service, which writes the audit log.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from config.admin_site import OfficialsReadOnlyAdmin
from elections.models import Contest, ContestState
from elections.permissions import can_use_officials_panel
from elections.results import actions, selectors
from elections.results.models import (
    ElectionAtAGlance,
    Result,
    ResultState,
    TallyRun,
    TallyRunState,
)
from elections.voting.models import VoterRecord


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to officials and written to the audit log.",
    )


class OfficialsReadOnly(OfficialsReadOnlyAdmin):
    """Visible to officials only; rows change through the actions, never by hand."""

    def has_steer_permission(self, request: HttpRequest) -> bool:
        return can_use_officials_panel(request.user)


def _rerun(request: HttpRequest, contests: list[Any]) -> None:
    counts = 0
    seals = 0
    for contest in contests:
        try:
            run = actions.contest_close_and_tally(contest=contest, actor=request.user)
        except actions.ResultError as error:
            messages.error(request, f"{contest}: {error}")
        else:
            counts += run is not None
            seals += run is None
    if counts:
        messages.success(
            request,
            f"Tally queued for {counts} contest{'s' if counts != 1 else ''}; "
            "follow it under Tally runs.",
        )
    if seals:
        messages.success(
            request,
            f"Seal and tally queued for {seals} contest{'s' if seals != 1 else ''}: a worker "
            "seals the ballot box, then counts it; follow it under Tally runs.",
        )


@admin.register(Result)
class ResultAdmin(OfficialsReadOnly):
    list_display = (
        "contest_name",
        "election",
        "state",
        "winners_text",
        "ballot_count",
        "electorate_size",
        "turnout_percent",
        "created_at",
        "published_at",
    )
    list_filter = ("state", "contest__election")
    list_select_related = ("contest__election",)
    search_fields = ("contest__name", "contest__election__name")
    actions = ("publish_selected", "unpublish_selected", "rerun_selected", "verify_selected")
    readonly_fields = (
        "contest",
        "state",
        "page",
        "method",
        "seats",
        "winners",
        "ranking",
        "tie_seed",
        "tie_breaks",
        "unresolved_ties",
        "affiliation_adjustments",
        "ballot_count",
        "electorate_size",
        "turnout_percent",
        "ballot_set_sha256",
        "ballot_file_sha256",
        "engine_version",
        "created_at",
        "published_at",
        "unpublished_at",
        "unpublish_reason",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Result]:
        """An official who stands in a contest does not see its result before it is
        published (nor can they act on it: the actions refuse them)."""
        queryset = super().get_queryset(request)
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return queryset.none()
        stood = Contest.objects.filter(candidacies__candidate_id=user.pk)
        return queryset.exclude(Q(contest__in=stood) & ~Q(state=ResultState.PUBLISHED))

    @admin.display(description="Contest", ordering="contest__name")
    def contest_name(self, result: Result) -> str:
        return result.contest.name

    @admin.display(description="Election", ordering="contest__election__name")
    def election(self, result: Result) -> str:
        return result.contest.election.name

    @admin.display(description="Elected")
    def winners_text(self, result: Result) -> str:
        text = ", ".join(result.winners) or "nobody"
        if result.unresolved_ties:
            text += " (unresolved tie: the contest had no tie seed)"
        return text

    @admin.display(description="Result page")
    def page(self, result: Result) -> str:
        return format_html(
            '<a href="{}">{}</a>', result.get_absolute_url(), "View (draft or public)"
        )

    @admin.action(description="Publish the selected results", permissions=["steer"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Result]) -> None:
        published = 0
        for result in queryset.select_related("contest__election"):
            try:
                actions.result_publish(result=result, actor=request.user)
            except actions.ResultError as error:
                messages.error(request, f"{result.contest}: {error}")
            else:
                published += 1
        if published:
            messages.success(
                request, f"{published} result{'s' if published != 1 else ''} published."
            )

    @admin.action(
        description="Unpublish the selected results (asks for a reason)", permissions=["steer"]
    )
    def unpublish_selected(
        self, request: HttpRequest, queryset: QuerySet[Result]
    ) -> HttpResponse | None:
        form = UnpublishForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for result in queryset.select_related("contest__election"):
                try:
                    actions.result_unpublish(
                        result=result, actor=request.user, reason=form.cleaned_data["reason"]
                    )
                except actions.ResultError as error:
                    messages.error(request, f"{result.contest}: {error}")
                else:
                    done += 1
            if done:
                messages.success(request, f"{done} result{'s' if done != 1 else ''} taken down.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Unpublish results",
            "results": queryset.filter(state=ResultState.PUBLISHED).select_related(
                "contest__election"
            ),
            "form": form,
            "action": "unpublish_selected",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": reverse("admin:results_result_changelist"),
        }
        return TemplateResponse(request, "results/admin/unpublish.html", context)

    @admin.action(description="Re-run the tally of these contests", permissions=["steer"])
    def rerun_selected(self, request: HttpRequest, queryset: QuerySet[Result]) -> None:
        contests = {
            result.contest_id: result.contest
            for result in queryset.select_related("contest__election")
        }
        _rerun(request, list(contests.values()))

    @admin.action(
        description="Verify the selected results against their files", permissions=["steer"]
    )
    def verify_selected(self, request: HttpRequest, queryset: QuerySet[Result]) -> None:
        for result in queryset.select_related("contest__election"):
            problems = selectors.result_problems(result)
            if problems:
                messages.error(request, f"{result.contest}: " + " ".join(problems))
            else:
                messages.success(
                    request,
                    f"{result.contest}: the files match their hashes and the ballot file "
                    "re-counts to the same result.",
                )


@admin.register(TallyRun)
class TallyRunAdmin(OfficialsReadOnly):
    list_display = (
        "created_at",
        "contest",
        "state",
        "progress",
        "ballot_count",
        "result",
        "error",
        "updated_at",
    )
    list_filter = ("state", "contest__election")
    list_select_related = ("contest__election", "result")
    actions = ("rerun_selected",)
    readonly_fields = (
        "contest",
        "task_id",
        "state",
        "ballot_count",
        "chunks_total",
        "chunks_done",
        "result",
        "error",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if self.has_view_permission(request):
            failed = TallyRun.objects.filter(state=TallyRunState.FAILED).count()
            if failed:
                messages.warning(
                    request,
                    f"{failed} tall{'ies' if failed != 1 else 'y'} failed: read the error, fix "
                    "the cause and re-run.",
                )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Re-run the tally of these contests", permissions=["steer"])
    def rerun_selected(self, request: HttpRequest, queryset: QuerySet[TallyRun]) -> None:
        contests = {
            run.contest_id: run.contest for run in queryset.select_related("contest__election")
        }
        _rerun(request, list(contests.values()))


# Contests whose electorate counts in the turnout: those that went to a poll.
POLLED_STATES = (
    ContestState.POLLING,
    ContestState.CLOSED,
    ContestState.TALLIED,
    ContestState.PUBLISHED,
)


@admin.register(ElectionAtAGlance)
class ElectionAtAGlanceAdmin(OfficialsReadOnly):
    """Phase, ballots, electorate and turnout of every election on one page (counts only)."""

    list_display = (
        "name",
        "phase",
        "polling_closes_at",
        "ballots",
        "voters",
        "electorate",
        "turnout",
        "published_results",
        "links",
    )
    list_filter = ("phase",)
    search_fields = ("name", "slug")
    actions = ("tally_closed_polls",)
    fields = ("name", "phase", "polling_opens_at", "polling_closes_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ElectionAtAGlance]:

        ballots = (
            VoterRecord.objects.filter(contest__election=OuterRef("pk"))
            .order_by()
            .values("contest__election")
            .annotate(total=Count("pk"))
            .values("total")
        )
        # Turnout in people, as the API and the results page count it
        # (elections.voting.selectors.election_turnout_in_people): one person on two rolls,
        # or voting in two contests, counts once.
        polled = Contest.objects.filter(election=OuterRef("pk"), state__in=POLLED_STATES)
        electorate = (
            polled.order_by()
            .values("election")
            .annotate(total=Count("roll__entries__email", distinct=True))
            .values("total")
        )
        voters = (
            polled.order_by()
            .values("election")
            .annotate(total=Count("voter_records__roll_entry__email", distinct=True))
            .values("total")
        )
        published = (
            Result.objects.published()
            .filter(contest__election=OuterRef("pk"))
            .order_by()
            .values("contest__election")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                ballot_total=Coalesce(Subquery(ballots, output_field=IntegerField()), 0),
                electorate_total=Subquery(electorate, output_field=IntegerField()),
                voter_total=Coalesce(Subquery(voters, output_field=IntegerField()), 0),
                published_total=Coalesce(Subquery(published, output_field=IntegerField()), 0),
            )
        )

    @admin.display(description="Ballots", ordering="ballot_total")
    def ballots(self, election: Any) -> int:
        return election.ballot_total

    @admin.display(description="Voters (people)", ordering="voter_total")
    def voters(self, election: Any) -> int:
        return election.voter_total

    @admin.display(description="Electorate (people)", ordering="electorate_total")
    def electorate(self, election: Any) -> str:
        return "not frozen" if election.electorate_total is None else str(election.electorate_total)

    @admin.display(description="Turnout")
    def turnout(self, election: Any) -> str:
        if not election.electorate_total:
            return "–"
        return f"{round(100 * election.voter_total / election.electorate_total, 1)}%"

    @admin.display(description="Published results", ordering="published_total")
    def published_results(self, election: Any) -> int:
        return election.published_total

    @admin.display(description="Pages")
    def links(self, election: Any) -> str:
        return format_html(
            '<a href="{}">dashboard</a> · <a href="{}">results</a> · <a href="{}">live turnout</a>',
            reverse("officials_dashboard", kwargs={"slug": election.slug}),
            reverse("results_election", kwargs={"slug": election.slug}),
            reverse("turnout"),
        )

    @admin.action(
        description="Seal and tally the closed polls of these elections", permissions=["steer"]
    )
    def tally_closed_polls(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        contests = list(
            Contest.objects.filter(election__in=queryset, state=ContestState.CLOSED)
            .select_related("election")
            .order_by("election", "pk")
        )
        if not contests:
            messages.info(request, "No closed poll awaits its tally in these elections.")
            return
        _rerun(request, contests)
