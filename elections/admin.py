"""The officials' panel for elections.

Only officials (accounts.roles) see or touch anything here: every model admin below answers
"no" to everyone else, so Django turns each page and action into a 403. Every change goes
through ``elections.actions`` so that it is checked and written to the audit log: phase moves
(with a reason) on their own page, candidacy review by bulk actions (rejection asks for a
reason on an intermediate page), contests and options through their actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import CheckboxSelectMultiple
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.roles import officials_queryset
from config.admin_site import OfficialsAdmin

# The audit log and the mail queue have admins of their own (read-only): importing the module
# registers them.
from elections import (
    actions,
    admin_log,  # noqa: F401
    selectors,
)
from elections.admin_candidacies import CandidacyReviewSteps, ReportsElectionErrors
from elections.admin_inlines import ContestInline, OptionInline
from elections.forms import ContestAdminForm, PhaseMoveForm, RejectionForm
from elections.lifecycle import passed_boundaries
from elections.models import (
    Candidacy,
    Contest,
    Election,
    Option,
    Phase,
)
from elections.permissions import can_administer, can_use_officials_panel

FIXED_HELP = {
    "window_start": "Fixed once nominations open: the rolls were frozen from it.",
    "window_end": "Fixed once nominations open: the rolls were frozen from it.",
    "slug": "Fixed once nominations open: it is the election's address in links and feeds.",
}


def _report(request: HttpRequest, error: Exception) -> None:
    messages.error(request, str(error))


# --- Elections ------------------------------------------------------------------------------


@admin.register(Election)
class ElectionAdmin(ReportsElectionErrors):
    list_display = (
        "name",
        "phase",
        "nominations_opens_at",
        "polling_opens_at",
        "polling_closes_at",
        "auto_advance",
        "failed_mail",
    )
    list_filter = ("phase", "auto_advance")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ContestInline,)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # Contests are added on their own page: an election without any shows no empty table.
        return self.inlines if obj is not None and obj.contests.exists() else ()

    readonly_fields = ("phase_controls",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "phase_controls")}),
        (
            "Calendar (UTC)",
            {
                "fields": (
                    "nominations_opens_at",
                    "nominations_closes_at",
                    "polling_opens_at",
                    "polling_closes_at",
                    "auto_advance",
                    "auto_publish_results",
                ),
                "description": "Campaigning runs from the close of nominations to the opening "
                "of the polls; make them equal for no campaigning.",
            },
        ),
        (
            "Electorate",
            {"fields": ("window_start", "window_end", "email_deadline", "requires_membership")},
        ),
        ("Ballot secrecy", {"fields": ("publish_trackers",)}),
        ("Results", {"fields": ("results_electorate_only",)}),
        (
            "Announcements",
            {
                "fields": ("announcement_address",),
                "description": "Each notice of the calendar also goes once to this list, as a "
                "general announcement (the last days of polling go to it only); the "
                "announcements' text is on the notices pages of the dashboard.",
            },
        ),
        ("Candidacy review", {"fields": ("two_official_approval",)}),
        (
            "Officials",
            {
                "fields": ("officials",),
                "description": "Officials who run this election. "
                "None ticked: every member of the officials' group.",
            },
        ),
    )

    @admin.display(description="Failed e-mails")
    def failed_mail(self, election: Election) -> str:
        count = selectors.failed_notification_count(election)
        return f"⚠ {count}" if count else "0"

    @admin.display(description="Phase")
    def phase_controls(self, election: Election) -> str:
        if election.pk is None:
            return "Draft (new elections start as drafts)."
        url = reverse("admin:elections_election_phase", args=[election.pk])
        return format_html(
            '{} · <a href="{}">Open the dashboard</a> · <a href="{}">Move phase by hand…</a>',
            election.get_phase_display(),
            reverse("officials_dashboard", kwargs={"slug": election.slug}),
            url,
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:object_id>/phase/",
                self.admin_site.admin_view(self.phase_move_view),
                name="elections_election_phase",
            ),
            *super().get_urls(),
        ]

    def phase_move_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        election = get_object_or_404(Election, pk=object_id)
        if not (
            self.has_change_permission(request, election) and can_administer(request.user, election)
        ):
            raise PermissionDenied
        form = PhaseMoveForm(request.POST or None, election=election)
        if request.method == "POST" and form.is_valid():
            try:
                actions.election_phase_move(
                    election=election,
                    to_phase=form.cleaned_data["to_phase"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    force_empty_rolls=form.cleaned_data["force_empty_rolls"],
                )
            except actions.ElectionError as error:
                form.add_error(None, str(error))
            else:
                label = Phase(form.cleaned_data["to_phase"]).label
                self.message_user(request, f"{election.name} moved to {label}.")
                return HttpResponseRedirect(
                    reverse("admin:elections_election_change", args=[election.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Move {election.name} to another phase",
            "election": election,
            "form": form,
        }
        return TemplateResponse(request, "elections/admin/phase_move.html", context)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Only officials can be named, as ticks: the two-box widget's markup fails axe-core,
        # and a list of every voter's address has no place here.
        if db_field.name == "officials":
            kwargs["queryset"] = officials_queryset()
            kwargs["widget"] = CheckboxSelectMultiple
            kwargs["help_text"] = ""  # said once, by the fieldset (a tick list has no one input)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and obj.phase not in (
            Phase.DRAFT,
            Phase.NOMINATIONS,
            Phase.CAMPAIGNING,
            Phase.POLLING,
        ):
            for name in form.base_fields:
                if name not in ("name", "description", "officials", "announcement_address"):
                    form.base_fields[name].disabled = True
        elif obj is not None and obj.phase != Phase.DRAFT:
            # The rolls were frozen from the window; the slug is the election's published
            # address; a boundary that has passed keeps its date (actions.election_update
            # refuses each of them too). Shown, but read-only.
            fixed = ("window_start", "window_end", "slug", *passed_boundaries(obj.phase))
            for name in fixed:
                form.base_fields[name].disabled = True
                form.base_fields[name].help_text = FIXED_HELP.get(name, "Fixed: it has passed.")
        return form

    def save_model(self, request: HttpRequest, obj: Election, form: Any, change: bool) -> None:
        # On a change only what the official edited: the admin's widgets drop microseconds,
        # so an untouched date would otherwise look moved.
        names = form.changed_data if change else actions.ELECTION_FIELDS
        fields = {
            name: form.cleaned_data[name]
            for name in actions.ELECTION_FIELDS
            if name in names and name in form.cleaned_data
        }
        if change:
            if not can_administer(request.user, obj):
                raise PermissionDenied
            saved = actions.election_update(election=obj, actor=request.user, **fields)
        else:
            saved = actions.election_create(actor=request.user, **fields)
        self.adopt(obj, saved)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Drafts only: once nominations open, an election is history and stays.
        return super().has_delete_permission(request, obj) and (
            obj is None or (obj.phase == Phase.DRAFT and can_administer(request.user, obj))
        )

    def delete_model(self, request: HttpRequest, obj: Election) -> None:
        actions.election_delete(election=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Election]) -> None:
        for election in queryset:
            try:
                actions.election_delete(election=election, actor=request.user)
            except actions.ElectionError as error:
                _report(request, error)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The officials are the election's one many-to-many field: set by their action (which
        # audits the change) instead of the form's save_m2m.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        if "officials" in form.cleaned_data:
            actions.election_officials_set(
                election=form.instance,
                officials=list(form.cleaned_data["officials"]),
                actor=request.user,
            )


# --- Contests and options ----------------------------------------------------------------------


# The fields an official sets when adding a contest: the form's own (never the seed itself).
_CONTEST_CREATE_FIELDS: tuple[str, ...] = tuple(ContestAdminForm.Meta.fields)
# The seed itself is never shown, not even to officials: only its commitment (SHA-256).
_TIE_SEED_FIELDS = ("new_tie_seed", "regenerate_tie_seed")


@admin.register(Contest)
class ContestAdmin(ReportsElectionErrors):
    list_display = ("name", "election", "kind", "seats", "state", "electorate_size")
    list_filter = ("election", "kind", "state")
    search_fields = ("name", "slug", "team__name")
    inlines = (OptionInline,)
    form = ContestAdminForm

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # Options belong to community votes; a PTL or TC contest shows no empty table of them.
        return self.inlines if obj is not None and obj.kind == "community" else ()

    readonly_fields = ("state", "electorate", "tie_seed_commitment")
    fields = (
        *_CONTEST_CREATE_FIELDS,
        *_TIE_SEED_FIELDS,
        "tie_seed_commitment",
        "state",
        "electorate",
    )

    @admin.display(description="Tie seed commitment (SHA-256)")
    def tie_seed_commitment(self, contest: Contest) -> str:
        if not contest.tie_seed_sha256:
            return "Set when the contest is saved."
        if contest.election.phase == Phase.DRAFT:
            return f"{contest.tie_seed_sha256} (public when nominations open)"
        return f"{contest.tie_seed_sha256} (fixed: the seed is shown with the result)"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)
        if obj is None:
            return [f for f in fields if f not in ("regenerate_tie_seed", "tie_seed_commitment")]
        if obj.election.phase != Phase.DRAFT:  # fixed (contest_update refuses a new seed)
            return [f for f in fields if f not in _TIE_SEED_FIELDS]
        return fields

    @admin.display(description="Voters")
    def electorate_size(self, contest: Contest) -> str:
        return str(contest.roll.size) if contest.roll_id else "–"

    @admin.display(description="Electorate")
    def electorate(self, contest: Contest) -> str:
        if contest.roll_id is None:
            return "Frozen when nominations close."
        return f"{contest.roll.size} voters, fingerprint {contest.roll.fingerprint}"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contest]:
        return super().get_queryset(request).select_related("election", "roll", "team")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("state", "electorate")
        return ("election", "kind", "slug", "team", "state", "electorate", "tie_seed_commitment")

    def save_model(self, request: HttpRequest, obj: Contest, form: Any, change: bool) -> None:
        election = obj.election
        if not can_administer(request.user, election):
            raise PermissionDenied
        if change:
            editable = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in ("name", "description", "seats", "method", "max_per_affiliation")
            }
            if form.cleaned_data.get("regenerate_tie_seed"):
                editable["tie_seed"] = ""  # a new random seed
            elif form.cleaned_data.get("new_tie_seed"):
                editable["tie_seed"] = form.cleaned_data["new_tie_seed"]
            saved = actions.contest_update(contest=obj, actor=request.user, **editable)
        else:
            values = {name: form.cleaned_data.get(name) for name in _CONTEST_CREATE_FIELDS}
            values["max_per_affiliation"] = values["max_per_affiliation"] or None
            values["tie_seed"] = form.cleaned_data.get("new_tie_seed") or ""
            values["description"] = values["description"] or ""
            saved = actions.contest_create(actor=request.user, **values)
        self.adopt(obj, saved)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None
            or (obj.election.phase == Phase.DRAFT and can_administer(request.user, obj.election))
        )

    def delete_model(self, request: HttpRequest, obj: Contest) -> None:
        actions.contest_delete(contest=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Contest]) -> None:
        for contest in queryset.select_related("election"):
            try:
                actions.contest_delete(contest=contest, actor=request.user)
            except actions.ElectionError as error:
                _report(request, error)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Option:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads these three lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for option_form in formset.forms:
            if option_form.instance.pk is None and option_form.has_changed():
                formset.new_objects.append(
                    actions.option_create(
                        contest=form.instance,
                        actor=request.user,
                        name=option_form.cleaned_data["name"],
                        description=option_form.cleaned_data.get("description", ""),
                    )
                )
        return None


# --- Candidacies -----------------------------------------------------------------------------


@admin.register(Candidacy)
class CandidacyAdmin(CandidacyReviewSteps, OfficialsAdmin):
    list_display = (
        "candidate",
        "contest",
        "election",
        "affiliation",
        "state",
        "submitted_at",
        "approval",
        "reviewed_by",
        "filed_by",
    )
    list_filter = ("state", "contest__election", "contest__kind")
    search_fields = ("candidate__email", "candidate__full_name", "contest__name")
    list_select_related = (
        "candidate",
        "contest__election",
        "reviewed_by",
        "approval_proposed_by",
        "filed_by",
    )
    actions = ("approve_selected", "propose_selected", "reject_selected")
    fields = (
        "contest",
        "candidate",
        "affiliation",
        "state",
        "platform_rendered",
        "filed_by",
        "filing_reason",
        "approval_proposed_by",
        "approval_proposed_at",
        "reviewed_by",
        "reviewed_at",
        "review_reason",
        "submitted_at",
    )
    readonly_fields = fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only here: the review is done with the actions, which go through a service.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a candidacy is withdrawn by its candidate or rejected, never deleted

    def has_review_permission(self, request: HttpRequest) -> bool:
        return can_use_officials_panel(request.user)

    @admin.display(description="Election", ordering="contest__election__name")
    def election(self, candidacy: Candidacy) -> str:
        return candidacy.contest.election.name

    @admin.display(description="Platform")
    def platform_rendered(self, candidacy: Candidacy) -> str:
        return mark_safe(candidacy.platform_html)  # noqa: S308 - sanitised by nh3 when written

    def _review(
        self, request: HttpRequest, queryset: QuerySet[Candidacy], *, approve: bool, reason: str
    ) -> None:
        done = 0
        for candidacy in queryset.select_related("contest__election", "candidate"):
            try:
                actions.candidacy_review(
                    candidacy=candidacy, reviewer=request.user, approve=approve, reason=reason
                )
            except actions.ElectionError as error:
                messages.error(request, f"{candidacy}: {error}")
            else:
                done += 1
        if done:
            verb = "approved" if approve else "rejected"
            self.message_user(request, f"{done} candidac{'y' if done == 1 else 'ies'} {verb}.")

    @admin.action(
        description="Approve selected candidacies (two-official elections: confirm a proposal)",
        permissions=["review"],
    )
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Candidacy]) -> None:
        self._review(request, queryset, approve=True, reason="")

    @admin.action(
        description="Reject selected candidacies (asks for a reason)", permissions=["review"]
    )
    def reject_selected(
        self, request: HttpRequest, queryset: QuerySet[Candidacy]
    ) -> HttpResponse | None:
        form = RejectionForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._review(request, queryset, approve=False, reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Reject candidacies",
            "candidacies": queryset.select_related("candidate", "contest"),
            "form": form,
            "action": "reject_selected",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "elections/admin/reject_candidacies.html", context)
