#!/bin/sh
# Builds the Debian package postgresql-15-credits (debian/) with
# dpkg-buildpackage and pg_buildext, from a copy of the work tree (the
# files git tracks plus new ones it does not ignore, as they are now: no
# build output of the tree gets in), and puts the .deb, .buildinfo and
# .changes in build/deb/ (after removing what an earlier run left there).
# scripts/install-deb-deps.sh installs what it needs.
set -eu
cd "$(dirname "$0")/.."
out="$PWD/build/deb"
version=$(dpkg-parsechangelog -S Version)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
trap 'exit 1' INT TERM
src="$stage/credits-$version"
mkdir "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # A file deleted in the work tree but still tracked is left out (tar
    # says so).
    git ls-files -z -c -o --exclude-standard |
        tar --null -T - --ignore-failed-read -cf - | tar -C "$src" -xf -
else
    tar --exclude=./build -cf - . | tar -C "$src" -xf -
    make -C "$src" -s clean
fi
# The package's build, not the caller's make: no inherited variables or jobs.
unset MAKEFLAGS MFLAGS MAKELEVEL
(cd "$src" && dpkg-buildpackage -b --no-sign -j"$(nproc)")
rm -rf "$out"
mkdir -p "$out"
mv "$stage"/*.deb "$stage"/*.buildinfo "$stage"/*.changes "$out"/
ls -l "$out"
