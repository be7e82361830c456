"""geodata package."""
