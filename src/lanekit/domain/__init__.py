"""The rules: who may do what and what a change means.  No HTTP and no SQL text here."""
