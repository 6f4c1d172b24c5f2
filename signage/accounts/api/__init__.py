"""The accounts API: users and their grants (users.py), personal API tokens (tokens.py).

Both modules add their operations to this one blueprint; importing the package registers them."""

from __future__ import annotations

from signage.http.api import api_blueprint, operations

bp = api_blueprint("accounts")
operation = operations(bp)

from signage.accounts.api import tokens, users  # noqa: E402, F401 - routes register on import
