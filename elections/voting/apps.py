from __future__ import annotations

from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "elections.voting"
    label = "voting"
    verbose_name = "Voting"

    def ready(self) -> None:
        from elections.voting import checks  # noqa: F401 - registers the system checks
