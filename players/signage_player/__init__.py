"""signage-player: plays a board's programme from the signage server (player protocol 1).

A client of docs/protocol.md only: it never imports the server package.
"""

__version__ = "0.1.0"
PROTOCOL = 1
PLAYER_VERSION = f"signage-player {__version__}"
