"""Forms a person fills in about themselves: the name at sign-up and in their profile."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from accounts.actions import user_name_set
from accounts.models import User

NAME_HELP = (
    "How you are shown on ballots, candidacies and results, e.g. “Ada Lovelace”. "
    "Your e-mail address is never shown there."
)


def _name_field() -> forms.CharField:
    return forms.CharField(
        label="Your name",
        max_length=200,
        help_text=NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def _clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise forms.ValidationError("Give the name you want to be shown by.")
    if "@" in name:
        raise forms.ValidationError("A name, not an e-mail address: it is shown publicly.")
    return name


class SignupForm(forms.Form):
    """allauth's sign-up asks for a name too (ACCOUNT_SIGNUP_FORM_CLASS): allauth's own form
    inherits this one, so the name comes first, above the address and the passwords."""

    full_name = _name_field()
    field_order = ["full_name", "email", "password1", "password2"]

    def clean_full_name(self) -> str:
        return _clean_name(self.cleaned_data["full_name"])

    def signup(self, request: HttpRequest, user: User) -> None:
        """allauth's hook, called once the new user is saved."""
        user_name_set(user=user, full_name=self.cleaned_data["full_name"])


class DisplayNameForm(forms.Form):
    """The profile's "change your name" form."""

    full_name = _name_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"full_name": user.full_name})
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_full_name(self) -> str:
        return _clean_name(self.cleaned_data["full_name"])

    def save(self) -> User:
        return user_name_set(user=self.user, full_name=self.cleaned_data["full_name"])
