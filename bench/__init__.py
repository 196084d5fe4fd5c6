"""Lanekit's load bench: `python -m bench` (see bench/README.md)."""
