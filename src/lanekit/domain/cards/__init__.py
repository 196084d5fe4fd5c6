"""Cards: create, read, list, change and move them, and what hangs off a card (tasks, links, comments,
attachments)."""
