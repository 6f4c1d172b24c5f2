"""The reports API (/api/v1/reports/...)."""
