"""Core statements, one module per aggregate.  Reads are fetch_*/list_*/count_*; writes say what they do."""
