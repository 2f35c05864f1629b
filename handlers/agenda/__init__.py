"""The agenda (/ziele): goals, obligations and what is due."""
