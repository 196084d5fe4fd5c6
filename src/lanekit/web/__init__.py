"""The web plumbing every API surface shares."""
