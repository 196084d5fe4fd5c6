"""The Reporting API's rules: its tokens and what each export may read."""
