"""`signage-player --config FILE` / `python -m signage_player --config FILE`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from signage_player import PLAYER_VERSION
from signage_player.config import EXAMPLE, ConfigError, load

log = logging.getLogger("signage_player")


def run(config_path: str) -> int:
    """Load the config and play until SIGTERM/SIGINT; the exit status."""
    try:
        config = load(config_path)
    except ConfigError as exc:
        print(f"signage-player: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=config.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("socketio").setLevel(logging.WARNING)
    logging.getLogger("engineio").setLevel(logging.WARNING)
    from signage_player.link import Link
    from signage_player.outputs import open_output
    from signage_player.player import Player

    stop = threading.Event()
    try:
        player = Player(config)
        output = open_output(config.output, player.size())
    except (OSError, RuntimeError) as exc:
        print(f"signage-player: {exc}", file=sys.stderr)
        return 1
    link = Link(player, stop)
    link.sync.current_image = lambda: output.current

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("%s starting; cache %s", PLAYER_VERSION, config.cache_dir)
    net = threading.Thread(target=link.run, name="link", daemon=True)
    net.start()
    try:
        while not stop.is_set():
            size = player.size()
            if size != output.size:
                output.size = size
                if hasattr(output, "resize"):
                    output.resize(size)
            player.frame(output.show)
            if not output.tick():
                break
            stop.wait(config.frame_s)
    finally:
        stop.set()
        player.close()
        output.close()
        net.join(timeout=5)
    return 0


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="signage-player",
        description="Plays a bulletin board's programme from a signage server.",
        epilog="Example config file:\n\n" + EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", required=True, help="TOML config file")
    parser.add_argument("--version", action="version", version=PLAYER_VERSION)
    args = parser.parse_args(argv)
    sys.exit(run(args.config))


if __name__ == "__main__":
    main()
