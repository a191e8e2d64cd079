"""The elections app's actions, one module per stage of an election's life.

The only code that writes the app's models. Each public action is keyword-only, typed and
atomic, authorises its actor where there is one, and writes one audit entry per change."""

from __future__ import annotations

from elections.actions.announcements import (
    announcement_retry,
    announcement_send,
    announcements_requeue_stale,
)
from elections.actions.errors import (
    CandidacyRefused,
    ElectionError,
    IllegalPhaseMove,
    InvitationRefused,
)
from elections.actions.exceptions import exception_request_decide, exception_request_submit
from elections.actions.invitations import (
    STALE_INVITATION_AGE,
    SendingRound,
    election_opt_out,
    invitation_accept,
    invitation_for_token,
    invitations_queue,
    invitations_requeue_stale,
    invitations_retry,
    invitations_send,
    opt_out_for_token,
)
from elections.actions.mail import (
    STALE_NOTIFICATION_AGE,
    election_queue_reminders,
    notifications_give_up,
    notifications_requeue_stale,
    notifications_retry,
    notifications_send,
)
from elections.actions.nominations import (
    candidacy_edit,
    candidacy_file_for,
    candidacy_propose_approval,
    candidacy_review,
    candidacy_submit,
    candidacy_withdraw,
)
from elections.actions.notice_calendar import (
    election_notice_calendar,
    election_notice_missed,
    election_notice_queue,
    election_notices_due,
)
from elections.actions.notices import notice_text_reset, notice_text_set
from elections.actions.openstack import (
    election_import_openstack,
    election_replay_openstack,
    tc_affiliation_limit,
)
from elections.actions.phases import (
    LEGAL_MOVES,
    PHASE_ORDER,
    election_phase_move,
    election_place_by_calendar,
    election_results_withdrawn,
    elections_advance,
    legal_moves,
)
from elections.actions.reminders import reminders_queue, reminders_retry
from elections.actions.settlement import (
    contest_mark_tallied,
    contest_record_appointment,
    contest_settle,
)
from elections.actions.setup import (
    ELECTION_FIELDS,
    contest_create,
    contest_delete,
    contest_update,
    election_create,
    election_delete,
    election_officials_set,
    election_update,
    option_create,
)
from elections.actions.voter_lists import contest_voter_list_set

__all__ = [
    "exception_request_decide",
    "exception_request_submit",
    "announcement_retry",
    "announcement_send",
    "announcements_requeue_stale",
    "election_notice_calendar",
    "election_notice_queue",
    "election_notices_due",
    "election_notice_missed",
    "reminders_queue",
    "reminders_retry",
    "notice_text_reset",
    "notice_text_set",
    "contest_voter_list_set",
    "InvitationRefused",
    "STALE_INVITATION_AGE",
    "SendingRound",
    "election_opt_out",
    "opt_out_for_token",
    "invitation_accept",
    "invitation_for_token",
    "invitations_queue",
    "invitations_requeue_stale",
    "invitations_retry",
    "invitations_send",
    "election_officials_set",
    "CandidacyRefused",
    "ELECTION_FIELDS",
    "ElectionError",
    "IllegalPhaseMove",
    "LEGAL_MOVES",
    "PHASE_ORDER",
    "STALE_NOTIFICATION_AGE",
    "candidacy_edit",
    "candidacy_file_for",
    "candidacy_propose_approval",
    "candidacy_review",
    "candidacy_submit",
    "candidacy_withdraw",
    "contest_create",
    "contest_delete",
    "contest_mark_tallied",
    "contest_record_appointment",
    "contest_settle",
    "contest_update",
    "election_create",
    "election_delete",
    "election_import_openstack",
    "election_place_by_calendar",
    "election_replay_openstack",
    "tc_affiliation_limit",
    "election_phase_move",
    "election_results_withdrawn",
    "election_queue_reminders",
    "election_update",
    "elections_advance",
    "legal_moves",
    "notifications_give_up",
    "notifications_requeue_stale",
    "notifications_retry",
    "notifications_send",
    "option_create",
]
