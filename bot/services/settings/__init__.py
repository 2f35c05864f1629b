"""A member's settings and own data (what is stored about them, leaving)."""
