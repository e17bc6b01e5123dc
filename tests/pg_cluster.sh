#!/bin/bash
# pg_cluster.sh CMD [ARGS...]: runs CMD against a throw-away PostgreSQL cluster, made for this run
# and always stopped and removed afterwards (also when CMD fails or crashes).
#
# The cluster listens on a Unix socket only (listen_addresses=''), in a fresh folder under /tmp,
# with password (SCRAM) authentication; the passwords are random and reach libpq only through a
# password file (PGPASSFILE), as the service's own connections do. initdb refuses to run as root,
# so as root the server runs as the postgres user (runuser).
# CMD sees: PGPASSFILE, GS_TEST_PG_HOST (the socket folder), GS_TEST_PG_USER (a superuser),
# GS_TEST_PG_BIN (the server binaries, psql among them), GS_TEST_PG_WORKER_PASSWORD (the password pgpass holds for role gaitscope_worker), and the
# commands GS_TEST_PG_RESTART, GS_TEST_PG_STOP, GS_TEST_PG_START.
# Exit 77 (skip) only when the PostgreSQL server binaries are absent.
set -u
BIN=${GS_PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$BIN/initdb" ] || [ ! -x "$BIN/pg_ctl" ]; then
    echo "skip: no PostgreSQL server binaries in $BIN (Debian: apt-get install postgresql)" >&2
    exit 77
fi
[ $# -ge 1 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

base=$(mktemp -d /tmp/gs-pgtest.XXXXXX) || exit 1
RUN=()
if [ "$(id -u)" = 0 ]; then
    chown postgres: "$base" || exit 1
    RUN=(runuser -u postgres --)
fi
chmod 700 "$base"
data=$base/data
log=$base/server.log

cleanup() {
    "${RUN[@]}" "$BIN/pg_ctl" -D "$data" stop -m immediate >/dev/null 2>&1
    rm -rf "$base"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

rand() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
admin_pw=$(rand)
worker_pw=$(rand)
printf '%s\n' "$admin_pw" >"$base/pwfile"
[ "$(id -u)" = 0 ] && chown postgres: "$base/pwfile"
# The password file belongs to the user running CMD and must be 0600 (libpq ignores it otherwise).
pgpass=$(mktemp /tmp/gs-pgpass.XXXXXX) || exit 1
trap 'cleanup; rm -f "$pgpass"' EXIT
chmod 600 "$pgpass"
printf '*:*:*:gs_admin:%s\n*:*:*:gaitscope_worker:%s\n' "$admin_pw" "$worker_pw" >"$pgpass"

if ! "${RUN[@]}" "$BIN/initdb" -D "$data" -U gs_admin --pwfile="$base/pwfile" -A scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1; then
    echo "pg_cluster: initdb failed:" >&2
    cat "$base/initdb.log" >&2
    exit 1
fi
rm -f "$base/pwfile"
# fsync off: a throw-away cluster need not survive a power cut, and the tests run faster.
opts="-k $base -c listen_addresses='' -c fsync=off -c max_connections=40"
start=("${RUN[@]}" "$BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "$opts" start)
if ! "${start[@]}" >/dev/null; then
    echo "pg_cluster: the server did not start:" >&2
    cat "$log" >&2
    exit 1
fi

export PGPASSFILE=$pgpass GS_TEST_PG_HOST=$base GS_TEST_PG_USER=gs_admin GS_TEST_PG_BIN=$BIN
export GS_TEST_PG_WORKER_PASSWORD=$worker_pw
q() { printf '%q ' "$@"; }
export GS_TEST_PG_RESTART="$(q "${RUN[@]}" "$BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -m fast restart) >/dev/null"
export GS_TEST_PG_STOP="$(q "${RUN[@]}" "$BIN/pg_ctl" -D "$data" -w -t 60 -m fast stop) >/dev/null"
export GS_TEST_PG_START="$(q "${start[@]}") >/dev/null"

# The command runs under a time limit below the test's, so this script always gets to clean up.
timeout -k 5 "${GS_PG_TEST_TIMEOUT:-240}" "$@"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    echo "pg_cluster: $1 exited $rc; server log tail:" >&2
    tail -n 20 "$log" >&2
fi
exit $rc
