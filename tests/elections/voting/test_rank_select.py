"""The ballot's rank controls: written out in Python, exactly as Django's own select renders."""

from __future__ import annotations

import pytest
from django import forms

from elections.voting.forms import RankSelect

OPTIONS = [("", "No opinion"), ("1", "1 (first choice)"), ("2", "2 (2nd choice)")]


@pytest.mark.parametrize("value", ["", "1", "2", None, "<script>"])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"id": "id_rank-ada", "aria-describedby": "id_rank-ada_helptext"},
        {"id": "x", "aria-invalid": "true", "required": True, "disabled": False},
        {"data-label": "Ad\"a <O'Brien> & co"},
    ],
)
def test_rank_select_renders_what_djangos_select_renders(
    value: str | None, attrs: dict[str, object]
) -> None:
    """Same bytes as the stock widget: the no-JavaScript ballot and its labels are unchanged."""
    stock = forms.Select(choices=OPTIONS).render("rank-ada", value, dict(attrs))
    ours = RankSelect(choices=OPTIONS).render("rank-ada", value, dict(attrs))
    assert ours == stock


def test_rank_select_escapes_labels_and_groups_as_django_does() -> None:
    choices = [("Group <b>", [("1", "<i>one</i>"), ("2", "two & more")]), ("", "No opinion")]
    stock = forms.Select(choices=choices).render("r", "2", {"id": "r"})
    ours = RankSelect(choices=choices).render("r", "2", {"id": "r"})
    assert ours == stock
    assert "&lt;i&gt;one&lt;/i&gt;" in ours and "<i>" not in ours
