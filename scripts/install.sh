#!/bin/sh
# Installs tokend from its release bundle (this file is install.sh at the bundle's top): the
# `tokend` system user, the binary, the systemd units, and the state directory /var/lib/tokend
# (mode 0700, owned by tokend) with an initialised store. Safe to run again: it replaces the
# binary and the units and keeps the data.
#   sudo ./install.sh                              # binary as /usr/bin/tokend
#   sudo TOKEND_BIN_DIR=/usr/local/bin ./install.sh
#   DESTDIR=/tmp/stage ./install.sh                # files only, under a staging root (packaging)
# The binary needs libfcgi at run time: apt-get install libfcgi0ldbl.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin_dir=${TOKEND_BIN_DIR:-/usr/bin}
state=/var/lib/tokend
units=/etc/systemd/system
root=${DESTDIR:-}

if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (or set DESTDIR to stage the files)" >&2
    exit 1
fi
if [ -z "$root" ] && ! getent passwd tokend >/dev/null; then
    useradd --system --user-group --home-dir "$state" --no-create-home \
        --shell /usr/sbin/nologin --comment "tokend access-token service" tokend
fi

install -d -m 0755 "$root$bin_dir" "$root$units"
install -m 0755 "$here/bin/tokend" "$root$bin_dir/tokend"
for unit in tokend.socket tokend.service; do
    sed "s#/usr/bin/tokend#$bin_dir/tokend#g" "$here/deploy/systemd/$unit" > "$root$units/$unit.new"
    chmod 0644 "$root$units/$unit.new"
    mv "$root$units/$unit.new" "$root$units/$unit"
done
install -d -m 0700 "$root$state"
chmod 0700 "$root$state"

if [ -z "$root" ]; then
    chown tokend:tokend "$state"
    # Creates the store and its secret the first time; never overwrites.
    runuser -u tokend -- "$bin_dir/tokend" init --data "$state"
    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    echo "tokend installed: $bin_dir/tokend, data in $state (owner tokend, 0700)."
    echo "Next: systemctl enable --now tokend.socket, then include nginx/tokend.conf in nginx"
    echo "(or see README.md for Apache)."
fi
