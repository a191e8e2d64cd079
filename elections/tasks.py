"""Celery tasks of the elections app: thin, idempotent, each calls one service.

``elections.advance_elections`` is the scheduler. Celery beat runs it every
``STACKVOTE_SCHEDULER_INTERVAL`` seconds from the ``CELERY_BEAT_SCHEDULE`` entry in
config/settings.py, which django_celery_beat's DatabaseScheduler copies into its periodic
task table when beat starts (officials can see and pause it in the admin).
"""

from __future__ import annotations

from celery import shared_task

from elections import actions, conf


@shared_task(name="elections.advance_elections", ignore_result=True)
def advance_elections() -> list[tuple[str, str, str]]:
    """Move elections whose time has come; safe to run twice (moves re-check under a lock)."""
    return actions.elections_advance()


@shared_task(
    name="elections.send_notifications",
    bind=True,
    ignore_result=True,
    # Each attempt records its error on the notification; sent ones are skipped on a rerun.
    acks_late=True,
)
def send_notifications(self, notification_ids: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Send one batch; retry the failures with backoff, then mark them failed for officials."""
    failed = actions.notifications_send(notification_ids=notification_ids)
    if failed and self.request.is_eager:
        # In-process (no broker to schedule a retry on): try again at once, as often as a
        # worker would.
        for _ in range(conf.mail_max_retries()):
            failed = actions.notifications_send(notification_ids=failed)
            if not failed:
                return
    elif failed and self.request.retries < conf.mail_max_retries():
        raise self.retry(args=[failed], countdown=60 * 2**self.request.retries)
    if failed:
        actions.notifications_give_up(notification_ids=failed)


@shared_task(name="elections.send_invitations", ignore_result=True)
def send_invitations() -> int:
    """Claim and send one batch of due invitations (rows lock themselves: any number of these
    run at once, and a lost or doubled task neither loses nor doubles a mail)."""
    return actions.invitations_send().sent


@shared_task(name="elections.send_announcement", ignore_result=True)
def send_announcement(announcement_id: int) -> bool:
    """Send one announcement to an election's list (it claims its row: a lost or doubled task
    neither loses nor doubles it)."""
    return actions.announcement_send(announcement_id=announcement_id)
