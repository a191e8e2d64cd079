"""Forms: validate what a person typed, then a view or admin hands it to one service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from elections.actions import legal_moves
from elections.models import Appointment, Candidacy, Contest, ContestState, Election, Phase

PLATFORM_HELP = (
    "Markdown: headings, lists, links, emphasis, code and tables. HTML is shown as text, "
    "not as markup."
)


class CandidacyForm(forms.Form):
    platform = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 20, "class": "platform-input"}),
        max_length=20_000,
        help_text=PLATFORM_HELP,
    )
    affiliation = forms.CharField(
        max_length=200,
        required=False,
        help_text="Your employer or sponsoring organisation, shown next to your name.",
    )

    @classmethod
    def for_candidacy(cls, candidacy: Candidacy, **kwargs: Any) -> CandidacyForm:
        return cls(
            initial={"platform": candidacy.platform, "affiliation": candidacy.affiliation},
            **kwargs,
        )

    def clean_platform(self) -> str:
        platform = self.cleaned_data["platform"]
        if not platform.strip():
            raise forms.ValidationError("Write a platform: voters read it to decide.")
        return platform


class PhaseMoveForm(forms.Form):
    """An official moves an election's phase by hand; the reason goes to the audit log."""

    to_phase = forms.ChoiceField(label="Move to")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Recorded in the audit log with your name.",
    )
    force_empty_rolls = forms.CharField(
        label="Freeze empty rolls anyway, because",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when opening nominations with teams none of whose repositories was "
        "ever ingested: their rolls would be empty. Leave empty to be refused; recorded in "
        "the audit log.",
    )

    def __init__(self, *args: Any, election: Election, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_phase"].choices = [
            (phase, Phase(phase).label) for phase in legal_moves(election)
        ]

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason.")
        return reason


class ContestAdminForm(forms.ModelForm):
    """A contest in the officials' panel. The tie seed is write-only: it stays secret until the
    result is published (the panel shows its SHA-256), and changes only while a draft."""

    new_tie_seed = forms.CharField(
        label="New tie seed",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Empty: keep the seed (a new contest draws a random one, which is best). A "
        "seed you type must be hard to guess: its SHA-256 is published when nominations open.",
    )
    regenerate_tie_seed = forms.BooleanField(label="Draw a new random tie seed", required=False)

    class Meta:
        model = Contest
        # Never the seed itself (see ``new_tie_seed``).
        fields = (
            "election",
            "kind",
            "name",
            "slug",
            "team",
            "seats",
            "method",
            "max_per_affiliation",
            "description",
        )


class RejectionForm(forms.Form):
    """The reason a batch of candidacies is rejected; each candidate receives it."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Sent to each candidate and recorded in the audit log.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A rejection needs a reason.")
        return reason


class FileCandidacyForm(CandidacyForm):
    """An official files a candidacy for someone (e.g. one mailed to the officials)."""

    contest = forms.ModelChoiceField(
        queryset=Contest.objects.filter(election__phase=Phase.NOMINATIONS)
        .exclude(kind="community")
        .select_related("election"),
    )
    candidate_email = forms.EmailField(help_text="The candidate's account (its sign-in address).")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text='Why you file it for them, e.g. "Mailed to the officials on 2027-01-10".',
    )
    field_order = ("contest", "candidate_email", "reason", "platform", "affiliation")

    def clean_candidate_email(self) -> Any:
        email = self.cleaned_data["candidate_email"]
        person = get_user_model().objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError("No account has this address: the candidate signs up.")
        return person


class AppointmentForm(forms.ModelForm):
    """Who was appointed to a contest nobody stood in (saved by its action, not by the form)."""

    reference = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="e.g. the governance change that appointed them.",
    )

    class Meta:
        model = Appointment
        fields = ("contest", "appointee", "appointed_by", "appointed_on", "reference")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "contest" in self.fields:
            self.fields["contest"].queryset = Contest.objects.filter(
                state=ContestState.APPOINTMENT_NEEDED
            ).select_related("election")
