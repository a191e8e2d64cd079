"""The ballot form: one rank control per candidate, in the voter's shuffled order.

The form renders plain ``<select>`` controls that work with no JavaScript; ``ballot.js``
enhances them into a drag-and-drop list but still submits the same fields. Reading the ranks
is left to ``ranking.parse_ranking`` (pure, shared with anyone who re-checks a ballot), which
sees every value sent, so a field sent twice is caught rather than silently taking the last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from elections.models import Choice
from elections.voting.ranking import (
    FIELD_PREFIX,
    Ranking,
    RankingError,
    field_name,
    order_from_field,
    parse_ranking,
    shuffled,
)
from elections.voting.receipts import canonical_receipt


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def submitted_ranking(data: Any, choices: Sequence[Choice]) -> Ranking:
    """The ranking in posted ``data`` (a QueryDict or a plain dict); RankingError if it is not
    a valid one. All a cast needs of the form: the review step shows errors with the form."""
    submitted = {
        name: data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        for name in data
        if name.startswith(FIELD_PREFIX)
    }
    return parse_ranking(submitted, [choice.key for choice in choices])


def _attributes(attrs: dict[str, Any]) -> str:
    """Django's ``attrs.html``: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        ""
        if value is False
        else f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
    )


class RankSelect(forms.Select):
    """Django's ``Select``, written out in Python to the same HTML, byte for byte.

    A ballot of N candidates has N×(N+1) options; the stock widget renders each through a
    template of its own, which made the ballot page cost several times a cast.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [
            f'<select name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>'
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attributes(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


class RankField(forms.ChoiceField):
    """A ``<select>`` of "no opinion" and ranks 1..N; the value is checked by parse_ranking."""

    widget = RankSelect

    def valid_value(self, value: Any) -> bool:
        return True


class BallotForm(forms.Form):
    """Ranks for ``choices``, in the carried ``order`` or a fresh shuffle for this page load.

    With ``changing`` the voter must also give the receipt of the ballot being replaced.
    After ``is_valid()``, ``cleaned_data["ranking"]`` is the ``Ranking``.
    """

    order = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        choices: Sequence[Choice],
        changing: bool = False,
        order: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choices = list(choices)
        self.by_key = {choice.key: choice for choice in self.choices}
        keys = [choice.key for choice in self.choices]
        carried = order_from_field(self.data.get("order", "") if self.is_bound else order, keys)
        self.display_order = carried or shuffled(keys)
        self.initial["order"] = ",".join(self.display_order)
        if self.is_bound:
            # The order is only how this page lists the candidates again; keep ours.
            self.data = self.data.copy()
            self.data["order"] = self.initial["order"]
        size = len(self.choices)
        options = [("", "No opinion")] + [
            (str(rank), f"{rank} ({_ordinal(rank)} choice)" if rank > 1 else "1 (first choice)")
            for rank in range(1, size + 1)
        ]
        self.changing = changing
        if changing:
            self.fields["receipt"] = forms.CharField(
                label="Receipt of your current ballot",
                help_text="As shown when you voted, e.g. ABCDE-FGHIJ-KLMNO-PQRST.",
                max_length=64,
                widget=forms.TextInput(
                    attrs={
                        "autocomplete": "off",
                        "spellcheck": "false",
                        "autocapitalize": "characters",
                        # Wide enough to show a whole receipt (23 characters) as typed.
                        "class": "receipt-input",
                        "size": "29",
                    }
                ),
            )
        for key in self.display_order:
            choice = self.by_key[key]
            self.fields[field_name(key)] = RankField(
                label=choice.label,
                choices=options,
                required=False,
                help_text=choice.affiliation,
            )

    def error_summary(self) -> str:
        """What the top of the ballot says is wrong: the receipt, the ranks, or both."""
        receipt_wrong = self.changing and bool(self.errors.get("receipt"))
        ranks_wrong = any(field.errors for field in self.rank_fields())
        if receipt_wrong and ranks_wrong:
            return "Please correct the receipt and the marked ranks below."
        if receipt_wrong:
            return "The receipt you gave is not right: check it below."
        if ranks_wrong:
            count = sum(1 for field in self.rank_fields() if field.errors)
            return f"Please correct the marked rank{'s' if count > 1 else ''} below."
        return "Please correct the form below."

    def rank_fields(self) -> list[forms.BoundField]:
        """The rank controls in display order, for the template."""
        return [self[field_name(key)] for key in self.display_order]

    def clean_receipt(self) -> str:
        receipt = self.cleaned_data["receipt"]
        if canonical_receipt(receipt) is None:
            raise forms.ValidationError(
                "That is not a receipt code: 20 letters and digits in four groups of five."
            )
        return str(canonical_receipt(receipt))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            cleaned["ranking"] = submitted_ranking(self.data, self.choices)
        except RankingError as error:
            for key, message in error.field_errors.items():
                self.add_error(field_name(key), message)
            for message in error.general:
                self.add_error(None, message)
        return cleaned

    @property
    def ranking(self) -> Ranking:
        return self.cleaned_data["ranking"]

    def labels(self) -> dict[str, str]:
        return {choice.key: choice.label for choice in self.choices}
