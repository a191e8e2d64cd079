"""Filling seats from a ranking with ties: public draws and the affiliation limit.

Seats go down the ranking group by group. A group that fits in the seats left is seated
whole. When it does not (it straddles the last seat, or a single-seat contest ends in a
tie), or when the affiliation limit allows only some of its members, a choice is needed:

* With a published seed, the choice is a public, reproducible draw (OpenStack election
  rules: ties are broken by a draw seeded from a published string). The group's members
  are ordered by the SHA-256 hex digest of the UTF-8 text ``f"{seed}:{name}"``, smallest
  first (the name breaks the impossible case of equal digests), and seated in that order.
  Anyone can recompute the order with ``sha256sum``.
* Without a seed nothing is guessed: only members elected in every possible order are
  seated, and the tie is reported as unresolved with the members and seats at stake.

Affiliation limit (OpenStack TC charter: no more than half of the seats from one
employer): with ``max_per_affiliation = K`` a candidate whose affiliation already holds K
seats is skipped, the next eligible candidate is seated, and the skip is recorded.
Candidates with no affiliation are never limited. ``seats_held`` counts the seats an
affiliation already holds outside this contest (the sitting TC members whose seats are not
up): the limit is on the whole body, so they count against it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .result import AffiliationAdjustment, DrawEntry, TieBreak, UnresolvedTie

__all__ = ["DRAW_RULE", "SeatOutcome", "allocate_seats", "draw_order"]

DRAW_RULE = 'members ordered by SHA-256 hex digest of UTF-8 "{seed}:{name}", smallest first'


def draw_order(seed: str, names: Sequence[str]) -> list[DrawEntry]:
    """The public draw: ``names`` ordered by sha256(f"{seed}:{name}") (hex), smallest first."""
    entries = [
        DrawEntry(candidate=name, sha256=hashlib.sha256(f"{seed}:{name}".encode()).hexdigest())
        for name in names
    ]
    return sorted(entries, key=lambda entry: (entry.sha256, entry.candidate))


@dataclass
class SeatOutcome:
    winners: list[str] = field(default_factory=list)
    tie_breaks: list[TieBreak] = field(default_factory=list)
    unresolved_ties: list[UnresolvedTie] = field(default_factory=list)
    adjustments: list[AffiliationAdjustment] = field(default_factory=list)


def allocate_seats(
    ranking: Sequence[Sequence[str]],
    seats: int,
    *,
    tie_seed: str | None = None,
    affiliations: Mapping[str, str | None] | None = None,
    max_per_affiliation: int | None = None,
    seats_held: Mapping[str, int] | None = None,
) -> SeatOutcome:
    """Seat ``seats`` candidates from ``ranking`` (groups of equals, best first).

    Long because the seating rule (a group that fits, a group broken by the seeded draw, a
    candidate passed over for an affiliation that holds its limit) is one loop whose helpers
    share its state; split up, they would pass that state around.
    """
    outcome = SeatOutcome()
    limit = max_per_affiliation if affiliations is not None else None
    sitting: Counter[str] = Counter(
        {label: count for label, count in (seats_held or {}).items() if label and count > 0}
    )
    held: Counter[str] = Counter(sitting)
    remaining = seats

    def affiliation(name: str) -> str | None:
        if limit is None or affiliations is None:
            return None
        # An empty label means no affiliation, like a missing one.
        return affiliations.get(name) or None

    def room(label: str | None) -> int | None:
        return None if label is None or limit is None else limit - held[label]

    def skip(name: str, place: int) -> None:
        label = affiliation(name)
        already = sitting[label] if label is not None else 0
        among = f" ({already} by sitting members whose seats are not up)" if already else ""
        outcome.adjustments.append(
            AffiliationAdjustment(
                candidate=name,
                affiliation=str(label),
                place=place,
                reason=(
                    f"{limit} seat(s) already held by {label!r}{among}, the limit per "
                    "affiliation; the next eligible candidate is seated"
                ),
            )
        )

    # Places count candidates, as in "1, 2, 2, 4": a group's place is one more than the
    # number of candidates ranked above it.
    ranked_above = 0
    for group in ranking:
        place = ranked_above + 1
        ranked_above += len(group)
        if remaining == 0:
            break
        eligible: list[str] = []
        for name in sorted(group):
            space = room(affiliation(name))
            if space is not None and space <= 0:
                skip(name, place)
            else:
                eligible.append(name)
        if not eligible:
            continue
        members = Counter(affiliation(name) for name in eligible)
        seatable = sum(
            count if label is None else min(count, room(label) or 0)
            for label, count in members.items()
        )
        over_limit = any(
            label is not None and count > (room(label) or 0) for label, count in members.items()
        )
        if seatable <= remaining and not over_limit:
            outcome.winners.extend(eligible)
            held.update(label for label in map(affiliation, eligible) if label is not None)
            remaining -= len(eligible)
            continue
        if tie_seed is not None:
            draw = draw_order(tie_seed, eligible)
            seated: list[str] = []
            for entry in draw:
                label = affiliation(entry.candidate)
                space = room(label)
                if len(seated) == remaining:
                    break
                if space is not None and space <= 0:
                    skip(entry.candidate, place)
                    continue
                seated.append(entry.candidate)
                if label is not None:
                    held[label] += 1
            outcome.tie_breaks.append(
                TieBreak(
                    seed=tie_seed,
                    place=place,
                    candidates=eligible,
                    seats_available=remaining,
                    draw=draw,
                    seated=seated,
                    rule=DRAW_RULE,
                )
            )
            outcome.winners.extend(seated)
            remaining -= len(seated)
            continue
        # No seed: seat only the members elected whatever the order, i.e. those still
        # seated when every other member goes first.
        certain = []
        for name in eligible:
            others = Counter(affiliation(other) for other in eligible if other != name)
            others_seatable = sum(
                count if label is None else min(count, room(label) or 0)
                for label, count in others.items()
            )
            label = affiliation(name)
            space = room(label)
            if others_seatable < remaining and (space is None or others[label] < space):
                certain.append(name)
        taken = min(seatable, remaining)
        outcome.unresolved_ties.append(
            UnresolvedTie(
                place=place,
                candidates=eligible,
                seats_available=remaining,
                seats_at_stake=taken - len(certain),
                certain=certain,
                reason=(
                    f"{len(eligible)} candidates tied at place {place} for "
                    f"{taken - len(certain)} undecided seat(s); no tie seed was given, so "
                    "the tie is left for a public draw"
                ),
            )
        )
        outcome.winners.extend(certain)
        # Whatever the order, each affiliation gains the same number of seats when the seats
        # do not run out, so the contest can go on below this group.
        for label, count in members.items():
            if label is not None:
                held[label] += min(count, room(label) or 0)
        remaining -= taken
    return outcome
