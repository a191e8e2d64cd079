from __future__ import annotations

from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "elections.voting"
    label = "voting"
    verbose_name = "Voting"
