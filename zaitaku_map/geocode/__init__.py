"""geocode package."""
