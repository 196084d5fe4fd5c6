"""The legacy Application API v1 (`/kanban/api`): LeanKit's deprecated surface, kept for the integrations that
still call it (the `v1` namespace of LeanKit's node client, the board-event poller, older scripts).

Every call parses its input (`parsing.py`), calls the same domain function the `/io` endpoint calls and
shapes the result with `shapes/legacy.py`; `envelope.py` is the only place domain errors become ReplyCodes.
"""
