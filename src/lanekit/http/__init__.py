"""The /io/ v2 surface: one module per API area; parse, call the domain, return a shape."""
