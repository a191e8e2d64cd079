"""The results app's actions: counting a closed contest and publishing its result.

Each is keyword-only, atomic, and writes itself to the audit log; tasks, admin actions and
commands call these."""

from __future__ import annotations

from elections.results.actions.errors import (
    BallotsChanged,
    ResultError,
)
from elections.results.actions.publication import (
    election_follow_contests,
    result_publish,
    result_unpublish,
)
from elections.results.actions.tally import (
    TALLY_STATES,
    check_tallyable,
    contest_close_and_tally,
    contest_seal_and_tally,
    count_rules,
    result_tally,
    result_tally_queue,
    tally_run_chunk_done,
    tally_run_fail,
    tally_run_fan_out,
    tally_run_finish,
    tally_run_queue,
    tally_run_start,
)

__all__ = [
    "BallotsChanged",
    "ResultError",
    "TALLY_STATES",
    "check_tallyable",
    "contest_close_and_tally",
    "contest_seal_and_tally",
    "count_rules",
    "election_follow_contests",
    "result_publish",
    "result_tally",
    "result_tally_queue",
    "result_unpublish",
    "tally_run_chunk_done",
    "tally_run_fail",
    "tally_run_fan_out",
    "tally_run_finish",
    "tally_run_queue",
    "tally_run_start",
]
