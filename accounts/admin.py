"""The officials' panel for eligibility: governance data, ingests and their progress, voters
added or excluded by hand, and frozen rolls.

Governance data and contributions are read-only here (they come from the community's files
and repositories); every change goes through ``accounts.actions``. Ingests started here run
as Celery tasks, queued once the run is committed; their state and count show in the list.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts import actions, conf
from accounts.conflicts import voter_change_conflict
from accounts.models import (
    Contribution,
    ExtraVoter,
    ExtraVoterSource,
    IngestRun,
    Repository,
    Roll,
    RollEntry,
    Team,
    TeamRepository,
    VoterExclusion,
)
from config.admin_site import ActionBackedAdmin, OfficialsReadOnlyAdmin


class ReadOnlyAdmin(OfficialsReadOnlyAdmin):
    """Data that only imports write: officials look, nobody edits or deletes."""


def _queue_commits(request: HttpRequest, names: list[str]) -> None:
    run = actions.ingest_run_queue(
        kind=IngestRun.Kind.COMMITS, targets=names, created_by=request.user
    )
    messages.success(
        request, f"Commit ingest #{run.pk} queued for {len(names) or 'all'} repositories."
    )


# --- Governance ------------------------------------------------------------------------


class OwnershipInline(admin.TabularInline):
    model = TeamRepository
    fields = ("repository", "deliverable", "source", "retired_on")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "listed", "retired_on", "leadership_type", "ptl_name")
    list_filter = ("kind", "listed")
    search_fields = ("name", "slug")
    inlines = [OwnershipInline]
    actions = ["freeze_rolls", "ingest_team_commits"]

    @admin.action(description="Freeze the roll of the selected teams (default window)")
    def freeze_rolls(self, request: HttpRequest, queryset: QuerySet[Team]) -> None:
        window = conf.eligibility_window()
        for team in queryset:
            roll = actions.roll_freeze(
                team=team, start=window.start, end=window.end, created_by=request.user
            )
            messages.success(
                request, f"{team}: roll #{roll.pk} frozen, {roll.size} voters, {roll.fingerprint}"
            )

    @admin.action(description="Ingest the commits of the selected teams' repositories")
    def ingest_team_commits(self, request: HttpRequest, queryset: QuerySet[Team]) -> None:
        names = sorted(
            set(
                TeamRepository.objects.filter(team__in=queryset).values_list(
                    "repository__name", flat=True
                )
            )
        )
        _queue_commits(request, names)


@admin.register(Repository)
class RepositoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "owners", "last_ingested")
    search_fields = ("name",)
    list_select_related = ("ingest_state",)
    actions = ["ingest_commits"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Repository]:
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description="Teams")
    def owners(self, repository: Repository) -> str:
        return ", ".join(sorted({team.name for team in repository.teams.all()}))

    @admin.display(description="Last ingested commit")
    def last_ingested(self, repository: Repository) -> str:
        state = getattr(repository, "ingest_state", None)
        if state is None or not state.last_sha:
            return "never"
        return f"{state.last_sha[:12]} ({state.updated_at:%Y-%m-%d %H:%M} UTC)"

    @admin.action(description="Ingest commits of the selected repositories")
    def ingest_commits(self, request: HttpRequest, queryset: QuerySet[Repository]) -> None:
        _queue_commits(request, sorted(queryset.values_list("name", flat=True)))


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ("email", "name", "kind", "repository", "date", "ref", "source")
    list_filter = ("kind", "source")
    # Exact matches only: the table holds millions of rows and these use its indexes.
    search_fields = ("=email", "=ref")
    list_select_related = ("repository",)
    show_full_result_count = False
    date_hierarchy = None


# --- Ingests -------------------------------------------------------------------------------


class IngestRunForm(forms.ModelForm):
    targets_text = forms.CharField(
        label="Files or repositories",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line. Governance: YAML files; Gerrit: JSON-lines exports; both by "
        "name inside the import directories the operator set up (STACKVOTE_IMPORT_DIRS). "
        "Commits: repositories such as openstack/nova (empty: all known).",
    )
    base = forms.ChoiceField(
        label="Where commits are read from",
        required=False,
        help_text="Only the bases the operator allows (STACKVOTE_GIT_BASE, STACKVOTE_GIT_BASES).",
    )

    class Meta:
        model = IngestRun
        fields = ("kind", "base")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = conf.git_base()
        self.fields["base"].choices = [("", f"{default} (default)")] + [
            (base, base) for base in conf.git_bases() if base != default
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        targets = [line.strip() for line in cleaned.get("targets_text", "").splitlines()]
        cleaned["targets"] = [t for t in targets if t]
        if cleaned.get("kind") != IngestRun.Kind.COMMITS and not cleaned["targets"]:
            raise forms.ValidationError("Name at least one file.")
        if cleaned.get("kind"):
            try:
                cleaned["targets"] = actions.ingest_sources_check(
                    kind=cleaned["kind"], targets=cleaned["targets"], base=cleaned.get("base", "")
                )
            except actions.EligibilityError as error:
                raise forms.ValidationError(str(error)) from error
        return cleaned


@admin.register(IngestRun)
class IngestRunAdmin(ActionBackedAdmin):
    form = IngestRunForm
    list_display = (
        "__str__",
        "kind",
        "state",
        "progress",
        "short_error",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("kind", "state")
    readonly_fields = (
        "state",
        "targets",
        "count",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    actions = ["run_again"]

    def get_fields(self, request: HttpRequest, obj: IngestRun | None = None) -> list[str]:
        if obj is None:
            return ["kind", "targets_text", "base"]
        return ["kind", "base", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: IngestRun | None = None) -> Any:
        return ("kind", "base", *self.readonly_fields) if obj else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Stored")
    def progress(self, run: IngestRun) -> int:
        if run.state == IngestRun.State.RUNNING:
            return int(cache.get(actions.progress_cache_key(run.pk), run.count))
        return run.count

    @admin.display(description="Error")
    def short_error(self, run: IngestRun) -> str:
        return run.error if len(run.error) < 120 else run.error[:117] + "…"

    def save_model(self, request: HttpRequest, obj: IngestRun, form: Any, change: bool) -> None:
        if change:
            return
        run = actions.ingest_run_queue(
            kind=form.cleaned_data["kind"],
            targets=form.cleaned_data["targets"],
            base=form.cleaned_data.get("base", ""),
            created_by=request.user,
        )
        self.adopt(obj, run)

    @admin.action(description="Run the selected ingests again")
    def run_again(self, request: HttpRequest, queryset: QuerySet[IngestRun]) -> None:
        for run in queryset:
            try:
                again = actions.ingest_run_queue(
                    kind=run.kind, targets=run.targets, base=run.base, created_by=request.user
                )
            except actions.EligibilityError as error:
                messages.error(request, f"{run}: {error}")
            else:
                messages.success(request, f"{again} queued.")


# --- Voters by hand --------------------------------------------------------------------------


class VoterChangeAdmin(ActionBackedAdmin):
    """Hand-added voters and exclusions: an official who stands where the change reaches is
    told so on the form and offered no deletion (the actions refuse them anyway)."""

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        user = request.user

        class ConflictChecked(form):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean() or {}
                conflict = voter_change_conflict(user, cleaned.get("team"))
                if conflict:
                    raise forms.ValidationError(conflict)
                return cleaned

        return ConflictChecked

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and voter_change_conflict(request.user, obj.team):
            return False
        return super().has_delete_permission(request, obj)

    def _each(self, request: HttpRequest, rows: Any, change: Callable[[Any], None]) -> None:
        for row in rows:
            try:
                change(row)
            except actions.EligibilityError as error:
                messages.error(request, f"{row}: {error}")


@admin.register(ExtraVoter)
class ExtraVoterAdmin(VoterChangeAdmin):
    list_display = ("email", "name", "team", "reason", "expires_on", "source", "created_by")
    list_filter = ("source", "team__kind")
    search_fields = ("email", "name", "reason")
    fields = ("email", "name", "team", "reason", "expires_on")

    def get_readonly_fields(self, request: HttpRequest, obj: ExtraVoter | None = None) -> Any:
        return self.fields if obj else ()

    def has_delete_permission(self, request: HttpRequest, obj: ExtraVoter | None = None) -> bool:
        if obj is not None and obj.source != ExtraVoterSource.MANUAL:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ExtraVoter, form: Any, change: bool) -> None:
        if change:
            return
        voter = actions.voter_add(
            email=obj.email,
            name=obj.name,
            reason=obj.reason,
            team=obj.team,
            expires_on=obj.expires_on,
            created_by=request.user,
        )
        self.adopt(obj, voter)

    def delete_model(self, request: HttpRequest, obj: ExtraVoter) -> None:
        actions.voter_remove(voter=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ExtraVoter]) -> None:
        self._each(
            request,
            queryset.filter(source=ExtraVoterSource.MANUAL),
            lambda voter: actions.voter_remove(voter=voter, actor=request.user),
        )


@admin.register(VoterExclusion)
class VoterExclusionAdmin(VoterChangeAdmin):
    list_display = ("email", "team", "reason", "created_by", "created_at")
    search_fields = ("email", "reason")
    fields = ("email", "team", "reason")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj else ()

    def save_model(
        self, request: HttpRequest, obj: VoterExclusion, form: Any, change: bool
    ) -> None:
        if change:
            return
        exclusion = actions.voter_exclude(
            email=obj.email, reason=obj.reason, team=obj.team, created_by=request.user
        )
        self.adopt(obj, exclusion)

    def delete_model(self, request: HttpRequest, obj: VoterExclusion) -> None:
        actions.voter_unexclude(exclusion=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[VoterExclusion]) -> None:
        self._each(
            request,
            queryset,
            lambda exclusion: actions.voter_unexclude(exclusion=exclusion, actor=request.user),
        )


# --- Rolls -------------------------------------------------------------------------------


class RollFreezeForm(forms.ModelForm):
    window_start = forms.DateField(
        label="Start (UTC day, inclusive)", initial=lambda: conf.eligibility_window().start.date()
    )
    window_end = forms.DateField(
        label="End (UTC day, exclusive)", initial=lambda: conf.eligibility_window().end.date()
    )

    class Meta:
        model = Roll
        fields = ("team", "min_contributions")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: date | None = cleaned.get("window_start")
        end: date | None = cleaned.get("window_end")
        if start and end and not start < end:
            raise forms.ValidationError("The start must be before the end.")
        if (cleaned.get("min_contributions") or 0) < 1:
            self.add_error("min_contributions", "At least one contribution.")
        return cleaned


@admin.register(Roll)
class RollAdmin(ActionBackedAdmin):
    list_display = (
        "__str__",
        "scope",
        "start",
        "end",
        "size",
        "fingerprint",
        "created_by",
        "created_at",
    )
    list_filter = ("team__kind",)
    search_fields = ("scope", "fingerprint")
    readonly_fields = (
        "team",
        "scope",
        "start",
        "end",
        "min_contributions",
        "size",
        "fingerprint",
        "created_by",
        "created_at",
        "entries_link",
    )

    def get_form(self, request: HttpRequest, obj: Roll | None = None, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = RollFreezeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Roll | None = None) -> Any:
        if obj is None:
            return ("team", "window_start", "window_end", "min_contributions")
        return self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Roll | None = None) -> Any:
        return self.readonly_fields if obj else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Voters")
    def entries_link(self, roll: Roll) -> str:
        url = reverse("admin:accounts_rollentry_changelist") + f"?roll__id__exact={roll.pk}"
        return format_html('<a href="{}">{} voters</a>', url, roll.size)

    def save_model(self, request: HttpRequest, obj: Roll, form: Any, change: bool) -> None:
        roll = actions.roll_freeze(
            team=form.cleaned_data.get("team"),
            start=form.cleaned_data["window_start"],
            end=form.cleaned_data["window_end"],
            min_contributions=form.cleaned_data["min_contributions"],
            created_by=request.user,
        )
        self.adopt(obj, roll)


@admin.register(RollEntry)
class RollEntryAdmin(ReadOnlyAdmin):
    list_display = ("email", "name", "contributions", "reasons", "roll")
    list_filter = ("roll",)
    search_fields = ("=email",)
    list_select_related = ("roll",)
