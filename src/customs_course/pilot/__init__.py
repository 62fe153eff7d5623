"""Pilot projects on an administration's own data (issue 18)."""
