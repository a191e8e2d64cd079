"""The hash-chained audit log: every change to an election, or to who may vote in one.

The bottom layer: every other app writes here (``audit.actions.audit_record``) and this app
imports none of them.
"""
