"""The secrecy rules of docs/secrecy.md, checked against the schema itself."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import models

from audit.models import AuditEntry
from elections.voting.models import BallotBoxSeal, SealedBlock, VoterRecord


def _concrete_fields(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.get_fields() if getattr(field, "concrete", False)]


def test_ballot_has_no_link_to_a_person() -> None:
    user_model = get_user_model()
    for field in _concrete_fields(SealedBlock):
        if field.is_relation:
            assert field.related_model is not user_model, field.name
    relations = {f.name: f.related_model for f in _concrete_fields(SealedBlock) if f.is_relation}
    assert relations == {"contest": SealedBlock._meta.get_field("contest").related_model}


def test_ballot_has_no_time_and_no_sequence() -> None:
    for field in _concrete_fields(SealedBlock):
        assert not isinstance(field, (models.DateTimeField, models.DateField, models.TimeField))
        assert not isinstance(field, models.AutoField | models.BigAutoField | models.SmallAutoField)
    pk = SealedBlock._meta.pk
    assert isinstance(pk, models.UUIDField)
    assert pk.default is not models.NOT_PROVIDED and callable(pk.default)
    assert pk.default() != pk.default()


def test_ballot_holds_exactly_its_contest_ranks_receipt_hash_and_tracker() -> None:
    # A block of ballots: where it is in the contest's order (by receipt hash), and for each
    # of its ballots the ranks, the receipt hash and the tracker.
    assert {f.name for f in _concrete_fields(SealedBlock)} == {
        "id",
        "contest",
        "number",
        "start",
        "count",
        "first_receipt",
        "ranks",
        "receipt_hashes",
        "trackers",
    }
    assert SealedBlock._meta.ordering == []


def test_voter_record_has_no_link_to_a_ballot_and_no_time() -> None:
    for field in _concrete_fields(VoterRecord):
        if field.is_relation:
            assert field.related_model is not SealedBlock
        assert not isinstance(field, (models.DateTimeField, models.DateField))
    # The person on the roll it was cast as (one vote per person), never the ballot.
    assert {f.name for f in _concrete_fields(VoterRecord)} == {
        "id",
        "contest",
        "user",
        "roll_entry",
    }


def test_an_open_ballot_box_row_names_its_key_and_holds_nothing_of_a_ballot() -> None:
    from elections.voting.models import BallotBox

    assert {f.name for f in _concrete_fields(BallotBox)} == {
        "id",
        "contest",
        "key_id",
        "key_check",
        # The order of the choices, frozen when the box opened, sealed under its key.
        "choice_order",
    }


def test_no_model_anywhere_links_to_a_ballot() -> None:
    from django.apps import apps

    for model in apps.get_models():
        for field in _concrete_fields(model):
            if field.is_relation:
                assert field.related_model is not SealedBlock, f"{model.__name__}.{field.name}"


@pytest.mark.django_db
def test_one_vote_per_voter_is_a_database_constraint() -> None:
    names = {c.name for c in VoterRecord._meta.constraints}
    assert "one_vote_per_voter" in names
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, VoterRecord._meta.db_table)
    assert any(
        spec["unique"] and set(spec["columns"]) == {"contest_id", "user_id"}
        for spec in constraints.values()
    )


def test_seal_and_audit_hold_counts_not_people() -> None:
    assert {f.name for f in _concrete_fields(BallotBoxSeal)} == {
        "id",
        "contest",
        "ballots",
        "voters",
        "sealed_at",
        "digest",
        "digest_version",
        "choice_keys",
        "key_id",
    }
    # The audit log is linked to people (its actor), so it must never reference a ballot.
    assert all(
        f.related_model is not SealedBlock for f in _concrete_fields(AuditEntry) if f.is_relation
    )
