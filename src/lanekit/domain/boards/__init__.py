"""Boards and their configuration: lanes and layout, members, templates, card types, custom fields, icons,
and the activity log."""
