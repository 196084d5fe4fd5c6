"""People: accounts, sign-in, users, API tokens, passwords."""
