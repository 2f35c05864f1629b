"""Concerns: saving, the anonymous batches and their buffer, the desk, and the timed work
(escalations, deletions)."""
