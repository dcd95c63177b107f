#!/bin/sh
# Runs a command as root: directly when we are root, else through sudo.
if [ "$(id -u)" -eq 0 ]; then exec "$@"; fi
if command -v sudo >/dev/null 2>&1; then exec sudo "$@"; fi
echo "as-root.sh: need root (or sudo) to run: $*" >&2
exit 1
