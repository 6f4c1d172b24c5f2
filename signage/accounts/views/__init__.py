"""Console pages of accounts: users and their grants (users.py), personal API tokens (tokens.py),
and their forms (forms.py). Templates stay in signage/web/templates beside the shared layout.

Both page modules add their routes to this one blueprint; importing the package registers them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from signage.accounts.views import tokens, users  # noqa: E402, F401 - routes register on import
