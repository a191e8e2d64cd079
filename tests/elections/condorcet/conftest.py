"""Fixtures for the Condorcet engine tests (pure: no database, no Django)."""

from __future__ import annotations

import numpy as np
import pytest

from .builders import WIKIPEDIA_CANDIDATES, WIKIPEDIA_ORDERS, ballots_from_orders


@pytest.fixture
def wikipedia_election() -> tuple[list[str], np.ndarray, np.ndarray]:
    rows, weights = ballots_from_orders(WIKIPEDIA_CANDIDATES, WIKIPEDIA_ORDERS)
    return WIKIPEDIA_CANDIDATES, rows, weights
