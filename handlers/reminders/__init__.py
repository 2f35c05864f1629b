"""Reminders (/erinnerungen): meetings and their answers, pausing, adding a reminder."""
