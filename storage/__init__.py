"""Persistence: typed models, engine and sessions, queries, view DDL and migrations.

Knows neither `telegram` nor handlers nor services.
"""
