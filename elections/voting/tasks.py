"""Celery tasks of the voting app. Thin: each calls one action."""

from __future__ import annotations

from celery import shared_task

from elections.voting import actions


@shared_task(name="voting.destroy_spent_keys", acks_late=True)
def destroy_spent_keys() -> list[int]:
    """Celery beat, the sweep behind the seal: destroy the key of every sealed ballot box
    that still has one (the seal's process stopped before it could)."""
    return actions.ballot_keys_destroy_spent()
