#!/bin/sh
# The Python player's window test needs a real X server (Debian's xvfb) and xwd (x11-apps) to
# take a screenshot of the window.
exec sh "$(dirname "$0")/apt-ensure.sh" "the window test" "Xvfb xwd" xvfb x11-apps
