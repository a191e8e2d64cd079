"""Sealed ballots hold their ranks as one 16-bit number per choice of an order frozen in the
seal (and, for boxes opened from now on, when the box opens).

Existing sealed ballots are converted: their seal's order is the sorted keys its ballots
name, and its digest stays the one recorded (version 1, recomputed the old way)."""

import numpy as np
from django.db import migrations, models


def _pack(keys, ranks):
    row = np.zeros(len(keys), dtype="<u2")
    column = {key: index for index, key in enumerate(keys)}
    for key, rank in ranks.items():
        row[column[key]] = int(rank)
    return row.tobytes()


def _unpack(keys, packed):
    row = np.frombuffer(bytes(packed), dtype="<u2")
    return {key: int(rank) for key, rank in zip(keys, row.tolist(), strict=True) if rank}


def pack_sealed_ballots(apps, schema_editor):
    Ballot = apps.get_model("voting", "Ballot")
    BallotBoxSeal = apps.get_model("voting", "BallotBoxSeal")
    contests = Ballot.objects.values_list("contest_id", flat=True).distinct()
    for contest_id in list(contests):
        ballots = Ballot.objects.filter(contest_id=contest_id)
        keys = sorted({key for ranks in ballots.values_list("ranks_json", flat=True) for key in ranks})
        BallotBoxSeal.objects.filter(contest_id=contest_id).update(choice_keys=keys)
        for ballot in ballots.only("pk", "ranks_json").iterator(chunk_size=2000):
            ballot.ranks = _pack(keys, ballot.ranks_json)
            ballot.save(update_fields=["ranks"])


def unpack_sealed_ballots(apps, schema_editor):
    Ballot = apps.get_model("voting", "Ballot")
    BallotBoxSeal = apps.get_model("voting", "BallotBoxSeal")
    orders = dict(BallotBoxSeal.objects.values_list("contest_id", "choice_keys"))
    for ballot in Ballot.objects.only("pk", "contest_id", "ranks").iterator(chunk_size=2000):
        ballot.ranks_json = _unpack(orders.get(ballot.contest_id, []), ballot.ranks)
        ballot.save(update_fields=["ranks_json"])


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0004_one_vote_per_person"),
    ]

    operations = [
        migrations.AddField(
            model_name="ballotbox",
            name="choice_order",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="ballotboxseal",
            name="choice_keys",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="ballotboxseal",
            name="digest_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="ballotboxseal",
            name="digest_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.RenameField(model_name="ballot", old_name="ranks", new_name="ranks_json"),
        migrations.AddField(
            model_name="ballot",
            name="ranks",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.RunPython(pack_sealed_ballots, unpack_sealed_ballots),
        migrations.RemoveField(model_name="ballot", name="ranks_json"),
    ]
