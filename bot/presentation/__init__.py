"""Shared chat presentation for every feature: keyboards, command menus, charts, and the fitting
of messages and keyboards into Telegram's limits."""
