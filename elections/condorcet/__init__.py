"""Condorcet tally engine: exact, fast, and checkable by anyone from the published ballots.

Pure package: the standard library and numpy only, never Django, so the published ballots
can be re-counted with ``python -m elections.condorcet tally FILE`` outside the site.

Ballots
    A ballot gives every candidate a rank: 1 is most preferred, equal ranks are ties, and 0
    leaves a candidate unranked. Unranked candidates are tied with each other below every
    ranked candidate (as CIVS and Debian count). Only the order matters: ranks 1, 3, 3 mean
    the same as 1, 2, 2. ``ballots`` is a V×C integer numpy array (or an iterable of rows);
    wrong widths, non-integer or negative ranks raise ``ValueError`` naming the ballot.
    Identical ballots are merged and counted once with a weight when that is faster
    (see ``pairwise``); the counts are exact either way.

Pairwise matrix
    ``d[i][j]`` = number of ballots (times their weights) ranking i strictly above j.
    ``margins[i][j] = d[i][j] - d[j][i]``. Matrices add: the matrix of all ballots is the sum
    of the matrices of any split of them (``pairwise_counts`` + ``tally_from_pairwise``).

Schulze (method="schulze", the default), winning votes
    A link i→j exists when d[i][j] > d[j][i]; its strength is d[i][j]. ``strongest_paths``
    p[i][j] is the strength of the strongest path (its weakest link), computed with the
    widest-path Floyd–Warshall; 0 when there is no path. i ranks above j when
    p[i][j] > p[j][i]. The ranking lists groups of candidates, best first: the first group
    holds the candidates nobody ranks above (Schulze's winner set), each next group those
    nobody left ranks above. Names are sorted within a group.

Ranked Pairs (method="rankedpairs"), Tideman, winning votes
    Majorities are locked strongest first (more winning votes, then less opposition) unless
    they close a cycle; a batch of equally strong majorities is handled as a whole, and the
    majorities of the batch that would close a cycle among themselves are skipped, leaving
    those candidates tied (no name-based tie-breaking; see ``ranked_pairs``). The ranking
    is grouped like Schulze's from the locked order. ``strongest_paths`` is still reported.

Also reported
    ``condorcet_winner``: the candidate beating every other head to head, else None (a lone
    candidate is one). ``smith_set``: the smallest set whose members all beat every
    non-member head to head.

Seats and ties
    N seats go to the first N candidates of the ranking. When a group of equal candidates
    straddles the last seat (or a single seat is tied) the official's published seed decides
    by a public draw: the tied candidates are ordered by the SHA-256 hex digest of the UTF-8
    string ``f"{seed}:{name}"``, smallest first, and seated in that order (OpenStack's rule:
    a published string seeds the draw). The result records the seed, the tied group, every
    digest and who was seated. Without a seed nothing is guessed: ``winners`` holds only the
    candidates elected whatever the draw, and ``unresolved_ties`` names the tied candidates
    and the seats at stake (``unresolved_tie`` is then True).

Affiliation limit
    With ``affiliations`` (name → affiliation) and ``max_per_affiliation = K``, no more than
    K winners share an affiliation (OpenStack TC: at most half from one employer). A
    candidate whose affiliation already holds K seats is skipped, the next eligible one is
    seated, and ``affiliation_adjustments`` records who was skipped and why. Ties among
    candidates competing for an affiliation's last seat are settled by the same draw.
"""

from __future__ import annotations

from .engine import ENGINE_VERSION, METHODS, tally, tally_from_pairwise
from .pairwise import pairwise_counts
from .result import (
    AffiliationAdjustment,
    DrawEntry,
    TallyResult,
    TieBreak,
    UnresolvedTie,
)
from .seats import DRAW_RULE, draw_order

__all__ = [
    "DRAW_RULE",
    "ENGINE_VERSION",
    "METHODS",
    "AffiliationAdjustment",
    "DrawEntry",
    "TallyResult",
    "TieBreak",
    "UnresolvedTie",
    "draw_order",
    "pairwise_counts",
    "tally",
    "tally_from_pairwise",
]
