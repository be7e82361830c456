"""coverage package."""
