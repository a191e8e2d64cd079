"""Foundation individual membership: who may vote and stand where an election requires it.

Imported at the bottom of ``accounts.models``; written only by
``accounts.actions.membership``.
"""

from __future__ import annotations

from django.db import models


class Member(models.Model):
    """A Foundation individual member, as the last imported membership list has them."""

    member_id = models.PositiveBigIntegerField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    since = models.DateField(null=True, blank=True)

    class Meta:
        app_label = "accounts"
        ordering = ["member_id"]

    def __str__(self) -> str:
        return f"member {self.member_id} {self.name}".strip()


class MemberAddress(models.Model):
    """An address of a member (normalised); one member per address."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="addresses")
    email = models.CharField(max_length=254, unique=True)

    class Meta:
        app_label = "accounts"
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email
