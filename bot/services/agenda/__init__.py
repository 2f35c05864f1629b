"""The agenda: goals, obligations and what is due, for one member."""
