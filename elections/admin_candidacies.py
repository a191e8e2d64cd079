"""The candidacy steps of the officials' panel beyond a single review, and appointments.

``CandidacyAdmin`` (``elections.admin``) takes these steps from ``CandidacyReviewSteps``:
"Add" is an official filing a candidacy for someone (``candidacy_file_for``), the list shows
who proposed approving a candidacy in an election that needs two officials, and the
"propose" action is the first of those two (``candidacy_propose_approval``; another official
confirms with "Approve"). Appointments to contests nobody stood in are recorded here too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from config.admin_site import ActionBackedAdmin
from elections import actions
from elections.forms import AppointmentForm, FileCandidacyForm
from elections.models import Appointment, Candidacy, CandidacyState
from elections.permissions import can_use_officials_panel


def approval_status(candidacy: Candidacy, viewer: Any) -> str:
    """Who proposed approving a candidacy, and whether ``viewer`` may confirm it."""
    proposer = candidacy.approval_proposed_by
    if proposer is None:
        return "–"
    if candidacy.state != CandidacyState.SUBMITTED:
        return f"proposed by {proposer.display_name}"
    if proposer.pk == getattr(viewer, "pk", None):
        return "proposed by you: awaiting another official"
    return f"proposed by {proposer.display_name}: confirm with “Approve”"


class CandidacyReviewSteps:
    """Filing for someone, and the proposal of two-official approval (see the module)."""

    list_display: Any
    admin_site: Any
    model: Any

    @admin.display(description="Two-official approval")
    def approval(self, candidacy: Candidacy) -> str:
        return approval_status(candidacy, None)

    def get_list_display(self, request: HttpRequest) -> Any:
        # The approval column depends on who looks: the proposer waits, others may confirm.
        def approval(candidacy: Candidacy) -> str:
            return approval_status(candidacy, request.user)

        approval.short_description = "Two-official approval"  # type: ignore[attr-defined]
        return [approval if name == "approval" else name for name in self.list_display]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # "Add" is an official filing a candidacy for someone (candidacy_file_for).
        return super().has_add_permission(request) and can_use_officials_panel(  # type: ignore[misc]
            request.user
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = FileCandidacyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                candidacy = actions.candidacy_file_for(
                    contest=form.cleaned_data["contest"],
                    candidate=form.cleaned_data["candidate_email"],
                    official=request.user,
                    reason=form.cleaned_data["reason"],
                    platform=form.cleaned_data["platform"],
                    affiliation=form.cleaned_data["affiliation"],
                )
            except actions.ElectionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Filed: {candidacy}, awaiting review.")
                return HttpResponseRedirect(reverse("admin:elections_candidacy_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "File a candidacy for someone",
            "form": form,
        }
        return TemplateResponse(request, "elections/admin/file_candidacy.html", context)

    @admin.action(
        description="Propose approving selected candidacies (two-official elections)",
        permissions=["review"],
    )
    def propose_selected(self, request: HttpRequest, queryset: QuerySet[Candidacy]) -> None:
        done = 0
        for candidacy in queryset.select_related("contest__election", "candidate"):
            try:
                actions.candidacy_propose_approval(candidacy=candidacy, official=request.user)
            except actions.ElectionError as error:
                messages.error(request, f"{candidacy}: {error}")
            else:
                done += 1
        if done:
            messages.success(
                request,
                f"Approval proposed for {done} candidac{'y' if done == 1 else 'ies'}; "
                "another official confirms it.",
            )


class ReportsElectionErrors(ActionBackedAdmin):
    """A change refused by the elections actions comes back as a message on the form page."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except actions.ElectionError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Appointment)
class AppointmentAdmin(ReportsElectionErrors):
    """Who was appointed to a contest nobody stood in (``contest_record_appointment``)."""

    form = AppointmentForm
    list_display = ("contest", "appointee", "appointed_by", "appointed_on", "recorded_by")
    list_select_related = ("contest__election", "appointee", "recorded_by")
    readonly_fields = ("recorded_by", "recorded_at")
    fields = (
        "contest",
        "appointee",
        "appointed_by",
        "appointed_on",
        "reference",
        "recorded_by",
        "recorded_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is None else ("contest", *self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # corrected by recording it again, never erased

    def save_model(self, request: HttpRequest, obj: Appointment, form: Any, change: bool) -> None:
        saved = actions.contest_record_appointment(
            contest=obj.contest,
            actor=request.user,
            appointee=form.cleaned_data["appointee"],
            appointed_by=form.cleaned_data["appointed_by"],
            appointed_on=form.cleaned_data["appointed_on"],
            reference=form.cleaned_data.get("reference") or "",
        )
        self.adopt(obj, saved)
