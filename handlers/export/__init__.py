"""Exports (/export): what, in which format, for which period."""
