from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "elections"
    verbose_name = "Elections"

    def ready(self) -> None:
        from elections import checks  # noqa: F401 - registers the elections system checks
