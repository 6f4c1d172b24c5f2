#!/bin/sh
# apt-ensure.sh WHAT "PROGRAM..." PACKAGE...: when a PROGRAM is missing, install Debian's PACKAGEs
# with apt-get (as root), never a downloaded binary; otherwise say what to install.
what=$1 programs=$2
shift 2
missing=""
for program in $programs; do
  command -v "$program" >/dev/null 2>&1 || missing="$missing $program"
done
if [ -z "$missing" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian $* for $what..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  exit $?
fi
echo "$what need$missing: run 'sudo apt-get install $*'." >&2
exit 1
