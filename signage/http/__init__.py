"""Shared request plumbing for the console and the API: access checks, forms, paging, labels and
the API operation decorator. Domains' views and API modules import it; it imports no business
domain (see docs/architecture.md)."""
