"""Receivers of the audit log: filled by the audit work (docs/security.md)."""
