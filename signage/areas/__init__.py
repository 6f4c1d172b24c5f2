"""The area tree: province -> commune -> village or custom zone, any depth."""
