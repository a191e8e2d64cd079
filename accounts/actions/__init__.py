"""The accounts app's actions: every change to eligibility data, one module per concern.

Governance imports, ingests of commits and reviews, voters added or excluded by hand, frozen
rolls. Each is keyword-only and atomic; an import that fails leaves the data as it was, and
errors a person can cause name the file, line or repository."""

from __future__ import annotations

from accounts.actions.addresses import email_verification_record
from accounts.actions.commits import (
    commits_ingest,
    repository_commits_ingest,
)
from accounts.actions.errors import (
    INPUT_ERRORS,
    EligibilityError,
)
from accounts.actions.gerrit import (
    GerritIngestReport,
    gerrit_ingest,
)
from accounts.actions.governance import (
    GovernanceImportReport,
    governance_import,
)
from accounts.actions.ingest_runs import (
    ingest_run_execute,
    ingest_run_queue,
    ingest_runs_requeue_stale,
    ingest_sources_check,
    progress_cache_key,
)
from accounts.actions.invitations import ProvenAddress, address_proven_by_mail
from accounts.actions.pipeline import (
    CommitsIngestReport,
    CommitSource,
    RepositoryIngest,
    commit_sources_store,
)
from accounts.actions.profile import user_name_set
from accounts.actions.record import person_of_record, team_of_record
from accounts.actions.rolls import (
    roll_freeze,
    window_of,
)
from accounts.actions.storage import (
    ingest_atomic,
)
from accounts.actions.voters import (
    voter_add,
    voter_exclude,
    voter_remove,
    voter_unexclude,
)

__all__ = [
    "person_of_record",
    "team_of_record",
    "ProvenAddress",
    "address_proven_by_mail",
    "email_verification_record",
    "user_name_set",
    "ingest_runs_requeue_stale",
    "CommitSource",
    "CommitsIngestReport",
    "EligibilityError",
    "GerritIngestReport",
    "GovernanceImportReport",
    "INPUT_ERRORS",
    "RepositoryIngest",
    "commit_sources_store",
    "commits_ingest",
    "gerrit_ingest",
    "governance_import",
    "ingest_atomic",
    "ingest_run_execute",
    "ingest_run_queue",
    "ingest_sources_check",
    "progress_cache_key",
    "repository_commits_ingest",
    "roll_freeze",
    "voter_add",
    "voter_exclude",
    "voter_remove",
    "voter_unexclude",
    "window_of",
]
