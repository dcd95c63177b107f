#!/bin/sh
# Installs the Debian packages `make deb` needs to build postgresql-15-credits
# (debian/control's Build-Depends, and dpkg-buildpackage), when any is missing
# (apt-get update first, as a fresh machine needs).
set -eu
packages="debhelper dpkg-dev build-essential g++ make postgresql-common postgresql-server-dev-15"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "Installing:$missing"
"$(dirname "$0")/as-root.sh" sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing"
