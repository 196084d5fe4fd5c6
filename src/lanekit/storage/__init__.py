"""Tables, queries and migrations: no HTTP and no business rules."""
