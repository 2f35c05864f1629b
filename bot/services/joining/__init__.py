"""Joining with an invite code, and the pause after too many wrong codes."""
