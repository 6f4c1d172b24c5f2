#!/bin/sh
# Browser tests need Debian's chromium + chromium-driver (never a downloaded browser).
exec sh "$(dirname "$0")/apt-ensure.sh" "the browser tests" /usr/bin/chromium chromium chromium-driver
