"""Import an election from OpenStack's ``configuration.yaml`` in the officials' panel,
``/officials/import/``: the page behind ``manage.py import_election``.

An official uploads the file or names one inside the import directories the operator set up
(``STACKVOTE_IMPORT_DIRS``, resolved as the ingest runs resolve theirs), ticks the teams that
hold a PTL contest (or all teams with a PTL in the governance data), and the same action as
the command, ``election_import_openstack``, creates the draft as that official. The action is
atomic: a refusal leaves nothing behind, and comes back as a form error, never a 500.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts import conf as accounts_conf
from accounts.actions.errors import EligibilityError
from accounts.actions.ingest_runs import ingest_sources_check
from accounts.models import IngestRun, Team
from accounts.roles import is_official
from accounts.selectors import ptl_teams
from elections import actions as election_actions
from elections.openstack import ConfigurationError, OpenStackCalendar, parse_configuration

# The real file is under 1 KiB; anything far larger is not a calendar.
MAX_UPLOAD_BYTES = 64 * 1024


def import_files() -> list[str]:
    """The YAML files the operator put in the import directories, to name one without typing."""
    found: set[str] = set()
    for directory in accounts_conf.import_dirs():
        if directory.is_dir():
            found.update(path.name for path in directory.glob("*.yaml") if path.is_file())
    return sorted(found)


class ImportForm(forms.Form):
    upload = forms.FileField(
        label="Upload configuration.yaml",
        required=False,
        help_text=f"At most {MAX_UPLOAD_BYTES // 1024} KiB, UTF-8.",
    )
    path = forms.CharField(
        label="Or a file in the import directories",
        required=False,
        max_length=500,
        help_text="Its name inside a directory the operator set up (STACKVOTE_IMPORT_DIRS).",
    )
    teams = forms.ModelMultipleChoiceField(
        label="Teams with a PTL contest",
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    all_ptl_teams = forms.BooleanField(
        label="Every team with a PTL in the governance data", required=False
    )
    name = forms.CharField(label="Name", required=False, max_length=200)
    slug = forms.SlugField(label="Slug", required=False, max_length=100)
    manual = forms.BooleanField(
        label="Move the phases by hand (the scheduler leaves this election alone)", required=False
    )
    two_official_approval = forms.BooleanField(
        label="Two officials approve each candidacy (one proposes, a different one confirms)",
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = ptl_teams()
        self.calendar: OpenStackCalendar | None = None

    def _text(self) -> str:
        upload = self.cleaned_data.get("upload")
        path = (self.cleaned_data.get("path") or "").strip()
        if upload and path:
            raise forms.ValidationError("Upload a file or name one, not both.")
        if upload:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(
                    f"The file is {upload.size} bytes; at most {MAX_UPLOAD_BYTES} are read."
                )
            raw = upload.read(MAX_UPLOAD_BYTES + 1)
        elif path:
            try:
                resolved = ingest_sources_check(
                    kind=IngestRun.Kind.GOVERNANCE, targets=[path], base=""
                )[0]
                raw = Path(resolved).read_bytes()[: MAX_UPLOAD_BYTES + 1]
            except (EligibilityError, OSError) as error:
                raise forms.ValidationError(str(error)) from error
        else:
            raise forms.ValidationError("Upload configuration.yaml or name a file.")
        if len(raw) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is over {MAX_UPLOAD_BYTES} bytes.")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                f"The file is not UTF-8 text (byte {error.start})."
            ) from error

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.calendar = parse_configuration(self._text())
        except ConfigurationError as error:
            raise forms.ValidationError(f"configuration.yaml: {error}") from error
        return cleaned

    def chosen_teams(self) -> QuerySet[Team]:
        if self.calendar is None or not self.calendar.has_ptl:
            return Team.objects.none()
        if self.cleaned_data["all_ptl_teams"]:
            return ptl_teams()
        chosen = [team.pk for team in self.cleaned_data["teams"]]
        return Team.objects.filter(pk__in=chosen).order_by("name")


def election_import(request: HttpRequest) -> HttpResponse:
    """The import page (GET) and the import (POST), then the new election's dashboard."""
    if not is_official(request.user):
        raise PermissionDenied("Only election officials import elections.")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        assert form.calendar is not None  # noqa: S101 - set by a valid form's clean()
        try:
            election = election_actions.election_import_openstack(
                calendar=form.calendar,
                actor=request.user,
                name=form.cleaned_data["name"].strip(),
                slug=form.cleaned_data["slug"],
                teams=form.chosen_teams(),
                auto_advance=not form.cleaned_data["manual"],
                two_official_approval=form.cleaned_data["two_official_approval"],
            )
        except election_actions.ElectionError as error:
            form.add_error(None, str(error))
        else:
            contests = election.contests.count()
            messages.success(
                request,
                f"Imported {election.name} as a draft with {contests} "
                f"contest{'s' if contests != 1 else ''}.",
            )
            return HttpResponseRedirect(
                reverse("officials_dashboard", kwargs={"slug": election.slug})
            )
    context = {
        **admin.site.each_context(request),
        "title": "Import an election from configuration.yaml",
        "form": form,
        "import_dirs": [str(directory) for directory in accounts_conf.import_dirs()],
        "import_files": import_files(),
    }
    return TemplateResponse(request, "officials/import.html", context)
