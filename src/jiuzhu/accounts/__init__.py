"""Accounts, roles and sign-in: argon2 password hashes, lock-out, each account bound to an area (issue 12)."""
