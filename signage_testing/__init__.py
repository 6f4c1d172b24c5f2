"""Support for testing signage with real processes, shared by tests/e2e and bench/ (see
`signage_testing.processes`)."""
