"""Pulse surveys (/stimmung): answering one anonymously, the results, starting a survey."""
