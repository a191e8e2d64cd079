from __future__ import annotations

from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "elections.results"
    label = "results"
    verbose_name = "Results"

    def ready(self) -> None:
        from elections.results import checks  # noqa: F401 - registers the system checks
