"""Users, roles granted on an area subtree, API tokens, login and permissions."""
