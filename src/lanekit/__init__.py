"""Lanekit: a self-hostable Kanban server that speaks the LeanKit / AgilePlace REST API."""

__version__ = "0.1.0"
