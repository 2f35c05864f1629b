"""Reminders: adding, pausing, answers, and withdrawing the reminders that no longer apply."""
