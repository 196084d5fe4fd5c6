"""The /io/reporting surface (LeanKit's Advanced Reporting API): token sign-in and flat exports."""
