from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "elections"
    verbose_name = "Elections"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from elections import checks  # noqa: F401 - registers the elections system checks
        from elections.models import Candidacy, Contest, Election, Option, forget_polling_choices

        for model in (Candidacy, Option, Contest, Election, settings.AUTH_USER_MODEL):
            post_save.connect(forget_polling_choices, sender=model)
            post_delete.connect(forget_polling_choices, sender=model)
