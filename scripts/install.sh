#!/bin/sh
# Installs tokend from its release bundle (this file is install.sh at the bundle's top): the
# `tokend` system user, the binary, the systemd units, and the state directory /var/lib/tokend
# (mode 0700, owned by tokend) with an initialised store. Safe to run again, which is also how
# to upgrade: it replaces the binary and the units, keeps the data, and restarts a running
# tokend.service.
#   sudo ./install.sh                              # binary as /usr/bin/tokend
#   sudo TOKEND_BIN_DIR=/usr/local/bin ./install.sh
#   sudo ./install.sh --uninstall                  # binary and units; keeps the data and the user
#   sudo ./install.sh --uninstall --purge          # also the data, logs, web server snippets and the user;
#                                                  # backups in /var/backups/tokend-* are kept, made root's
#   DESTDIR=/tmp/stage ./install.sh [--uninstall]  # files only, under a staging root (packaging)
# The binary needs libfcgi and libpq at run time: apt-get install libfcgi0ldbl libpq5.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin_dir=${TOKEND_BIN_DIR:-/usr/bin}
state=/var/lib/tokend
units=/etc/systemd/system
completions=/usr/share
root=${DESTDIR:-}

uninstall=no
purge=no
for argument in "$@"; do
    case "$argument" in
        --uninstall) uninstall=yes ;;
        --purge) uninstall=yes; purge=yes ;;
        *) echo "usage: install.sh [--uninstall [--purge]]" >&2; exit 2 ;;
    esac
done

if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root (or set DESTDIR to stage the files)" >&2
    exit 1
fi
systemd_runs() { [ -z "$root" ] && [ -d /run/systemd/system ]; }

if [ "$uninstall" = yes ]; then
    if systemd_runs; then
        systemctl disable --now tokend.socket tokend.service tokend-notify.timer 2>/dev/null || true
    fi
    rm -f "$root$bin_dir/tokend" "$root$units/tokend.socket" "$root$units/tokend.service" \
        "$root$units/tokend-notify.service" "$root$units/tokend-notify.timer" \
        "$root$completions/bash-completion/completions/tokend" "$root$completions/zsh/vendor-completions/_tokend" \
        "$root$completions/fish/vendor_completions.d/tokend.fish"
    if systemd_runs; then systemctl daemon-reload; fi
    if [ "$purge" = yes ]; then
        # What this script and the README's steps create: the data, the copies a restore set
        # aside (`tokend store restore` names them $state.replaced-<time>), mod_fcgid's data, logs, the runtime directory, and the web servers' snippets
        # (with the Include lines the README's Apache steps add).
        rm -rf "$root$state" "$root$state.replaced" "$root$state".replaced-* "$root/var/lib/tokend-fcgid" "$root/var/log/tokend" "$root/run/tokend"
        rm -f "$root"/etc/nginx/conf.d/tokend.conf "$root"/etc/nginx/conf.d/tokend-tls.conf \
            "$root"/etc/nginx/conf.d/auth-gate.conf "$root"/etc/apache2/conf-available/tokend-*.conf \
            "$root"/etc/apache2/conf-enabled/tokend-*.conf
        for site in "$root"/etc/apache2/sites-available/*.conf; do
            [ -f "$site" ] && grep -q 'Include conf-available/tokend-' "$site" && sed -i '/Include conf-available\/tokend-/d' "$site"
        done
        if [ -z "$root" ] && getent passwd tokend >/dev/null; then
            userdel tokend || echo "install.sh: the tokend user stays (is a worker still running as tokend?)" >&2
        fi
        echo "tokend removed, with its data ($state, $state.replaced*, /var/lib/tokend-fcgid), its logs, /run/tokend,"
        echo "its nginx and Apache snippets and the tokend user. Reload nginx and Apache if they run."
        # Backups hold secret.key: kept, and made root's, so that a user created later with the
        # deleted user's uid does not own them.
        backups=$(ls -d "$root"/var/backups/tokend-* 2>/dev/null || true)
        if [ -n "$backups" ]; then
            [ "$(id -u)" -ne 0 ] || chown -R 0:0 $backups
            chmod -R go-rwx $backups
            echo "Kept, now owned by root and private (they hold secret.key; delete them when no longer needed):"
            for backup in $backups; do echo "  ${backup#"$root"}"; done
        fi
        echo "Apache modules the README enabled stay enabled, as other sites may use them:"
        echo "  a2dismod proxy_fcgi fcgid   # if nothing else needs them"
    else
        echo "tokend removed: binary and units. Kept: the data in $state and the tokend user"
        echo "(install.sh --uninstall --purge removes both)."
    fi
    exit 0
fi

if [ -z "$root" ] && ! getent passwd tokend >/dev/null; then
    useradd --system --user-group --home-dir "$state" --no-create-home \
        --shell /usr/sbin/nologin --comment "tokend access-token service" tokend
fi

install -d -m 0755 "$root$bin_dir" "$root$units"
# Replaced by rename, so a running worker keeps its old binary until it restarts.
install -m 0755 "$here/bin/tokend" "$root$bin_dir/.tokend.new"
mv "$root$bin_dir/.tokend.new" "$root$bin_dir/tokend"
for unit in tokend.socket tokend.service tokend-notify.service tokend-notify.timer; do
    sed "s#/usr/bin/tokend#$bin_dir/tokend#g" "$here/deploy/systemd/$unit" > "$root$units/$unit.new"
    chmod 0644 "$root$units/$unit.new"
    mv "$root$units/$unit.new" "$root$units/$unit"
done
# Shell completions where Debian's bash-completion, zsh and fish look for them.
if [ -d "$here/completions" ]; then
    install -D -m 0644 "$here/completions/tokend.bash" "$root$completions/bash-completion/completions/tokend"
    install -D -m 0644 "$here/completions/_tokend" "$root$completions/zsh/vendor-completions/_tokend"
    install -D -m 0644 "$here/completions/tokend.fish" "$root$completions/fish/vendor_completions.d/tokend.fish"
fi
install -d -m 0700 "$root$state"
chmod 0700 "$root$state"

if [ -z "$root" ]; then
    chown tokend:tokend "$state"
    # Creates the store and its secret the first time; never overwrites.
    runuser -u tokend -- "$bin_dir/tokend" init --data "$state"
    if systemd_runs; then
        systemctl daemon-reload
        # An upgrade: the running worker finishes its requests and the new binary takes over;
        # the socket stays open, so clients wait instead of failing.
        systemctl try-restart tokend.service
    fi
    echo "tokend installed: $bin_dir/tokend, data in $state (owner tokend, 0700)."
    echo "Next: systemctl enable --now tokend.socket (or deploy/spawn-fcgi/tokend-spawn without systemd),"
    echo "systemctl enable --now tokend-notify.timer for access-token expiry webhooks (or cron: tokend notify),"
    echo "copy nginx/tokend.conf to /etc/nginx/conf.d/, and make the first admin token:"
    echo "  runuser -u tokend -- $bin_dir/tokend token create --data $state --user root --name admin --scopes api,sudo"
fi
