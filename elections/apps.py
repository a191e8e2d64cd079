from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save


class ElectionsConfig(AppConfig):
    name = "elections"
    verbose_name = "Elections"

    def ready(self) -> None:
        # Imported once the app registry is ready: models cannot be imported before it.
        from accounts.conflicts import register_voter_change_conflict
        from elections import checks  # noqa: F401 - registers the elections system checks
        from elections.models import Candidacy, Contest, Election, Option, forget_polling_choices
        from elections.permissions import voter_change_conflict  # reads models: once ready

        # Changes to who may vote (accounts) refuse an official who stands where they reach.
        register_voter_change_conflict(voter_change_conflict)

        for model in (Candidacy, Option, Contest, Election, settings.AUTH_USER_MODEL):
            post_save.connect(forget_polling_choices, sender=model)
            post_delete.connect(forget_polling_choices, sender=model)
