from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and eligibility"

    def ready(self) -> None:
        # Permissions exist only after migrate; re-grant them after every migrate so the
        # officials' group always covers the models of the apps it administers.
        post_migrate.connect(_sync_roles, dispatch_uid="accounts.sync_roles")
        # Setting up an authenticator app counts as passing the second factor in that session
        # (accounts/two_factor.py): allauth's hook for it is this signal.
        from allauth.mfa.signals import authenticator_added

        from accounts import checks  # noqa: F401 - registers the eligibility system checks
        from accounts.two_factor import record_second_factor_set_up  # reads models: once ready

        authenticator_added.connect(
            record_second_factor_set_up, dispatch_uid="accounts.second_factor_set_up"
        )
        # An election's e-mail deadline needs the time each address was verified, which
        # allauth does not keep: recorded when allauth confirms one (accounts/signals.py).
        from allauth.account.signals import email_confirmed, user_signed_up

        from accounts.signals import record_address_verified, record_signup_addresses

        email_confirmed.connect(record_address_verified, dispatch_uid="accounts.email_verified")
        user_signed_up.connect(record_signup_addresses, dispatch_uid="accounts.signup_addresses")
        # The admin registry is complete once every app is ready; this app comes after
        # django_celery_beat in INSTALLED_APPS.
        from config.admin_site import restrict_to_superusers

        restrict_to_superusers()


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    # Imported when called: roles import the auth models, which apps.py may not at load time.
    from accounts.roles import ensure_official_group, official_app_labels

    if sender.label in official_app_labels():
        ensure_official_group(using=str(kwargs.get("using", "default")))
