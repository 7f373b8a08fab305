"""Long work (a scan, a large import, a what-if) as persisted background jobs with progress (issue 12)."""
