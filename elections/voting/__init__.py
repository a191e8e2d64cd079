"""Voting in the browser: secret, receipted, changeable ranked ballots (docs/voting.md)."""
