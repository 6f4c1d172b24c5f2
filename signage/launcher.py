"""Console-script entry: patch gevent first for long-running commands, then run the CLI."""

from __future__ import annotations

import sys

GEVENT_COMMANDS = {"serve"}


def main() -> None:
    """Entry point of the `signage` command."""
    if len(sys.argv) > 1 and sys.argv[1] in GEVENT_COMMANDS:
        from gevent import monkey

        monkey.patch_all()
    from signage.cli import cli

    cli()
