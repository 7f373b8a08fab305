"""The tamper-evident audit log: every access to personal data and every change, in a keyed hash chain (issue 12)."""
