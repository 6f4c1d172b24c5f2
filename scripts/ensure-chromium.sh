#!/bin/sh
# Browser tests need Debian's chromium + chromium-driver (never a downloaded browser).
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian chromium for the browser tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit $?
fi
echo "The browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium chromium-driver'." >&2
exit 1
