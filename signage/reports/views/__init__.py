"""Console pages of reports (and what they share with the reports API)."""
