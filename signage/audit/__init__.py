"""The append-only audit log written by every service that changes state."""
