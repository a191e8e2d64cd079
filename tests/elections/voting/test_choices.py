"""While a contest polls, each process keeps its choices for a few seconds."""

from __future__ import annotations

from typing import Any

import pytest

from elections import models
from elections.models import Contest, Option


def _fresh(contest: Contest) -> Contest:
    return Contest.objects.select_related("election").get(pk=contest.pk)


def test_choices_are_read_once_while_polling(poll: Contest, django_assert_num_queries: Any) -> None:
    first, second = _fresh(poll), _fresh(poll)
    expected = first.ballot_choices()
    with django_assert_num_queries(0):
        assert second.ballot_choices() == expected


def test_a_saved_change_shows_at_once(poll: Contest) -> None:
    _fresh(poll).ballot_choices()
    option = Option.objects.get(contest=poll, name="Ada Lovelace")
    option.name = "Augusta Ada King"
    option.save()
    assert "Augusta Ada King" in {choice.label for choice in _fresh(poll).ballot_choices()}


def test_a_change_made_by_another_process_shows_within_seconds(
    poll: Contest, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(models.time, "monotonic", lambda: now[0])
    _fresh(poll).ballot_choices()
    # Another process's write: no signal reaches this one.
    Option.objects.filter(contest=poll, name="Ada Lovelace").update(name="Augusta Ada King")
    assert "Ada Lovelace" in {choice.label for choice in _fresh(poll).ballot_choices()}
    now[0] += models.POLLING_CHOICES_SECONDS
    assert "Augusta Ada King" in {choice.label for choice in _fresh(poll).ballot_choices()}


def test_choices_are_not_kept_outside_polling(
    poll: Contest, close_poll: Any, django_assert_num_queries: Any
) -> None:
    closed = close_poll(poll)
    closed.ballot_choices()
    again = _fresh(poll)
    with django_assert_num_queries(1):
        again.ballot_choices()
