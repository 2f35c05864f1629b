"""Reporting values (/melden): the menu of what is due, the value itself, files of values
(CSV/XLSX), and the reminders to report."""
