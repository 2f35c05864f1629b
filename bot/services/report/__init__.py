"""Reporting values: what is due and open, saving a value, reading numbers and files of values,
plausibility, and the reminders to report."""
