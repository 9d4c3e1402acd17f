"""Audit: every staff and operator action leaves a record."""
