"""協力医療機関: candidate lists of medical institutions for care facilities (2024 reform)."""
