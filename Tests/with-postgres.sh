#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: YARDSTICK_TEST_POSTGRES holds its URI while the command runs,
# and the server and its folder are removed afterwards, whatever the command's exit status.
#
#   bash Tests/with-postgres.sh swift test --disable-xctest
#
# A server is already given (YARDSTICK_TEST_POSTGRES set): it is used as is. No PostgreSQL on the machine: as root
# (CI) Debian's `postgresql` package is installed; otherwise the command runs without a server and the PostgreSQL
# cases say they were skipped (under CI=true they fail instead).
set -u

if [ -n "${YARDSTICK_TEST_POSTGRES:-}" ]; then exec "$@"; fi

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
bin=$(find_bin)
if [ -z "$bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "with-postgres: installing Debian's postgresql package for the PostgreSQL tests" >&2
    (apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null 2>&1; }) \
        || echo "with-postgres: apt-get install postgresql failed" >&2
    bin=$(find_bin)
fi
if [ -z "$bin" ]; then
    echo "with-postgres: no PostgreSQL server binaries (Debian: apt-get install postgresql); PostgreSQL tests will be skipped" >&2
    exec "$@"
fi

dir=$(mktemp -d /tmp/yardstick-pg.XXXXXX)
as_owner() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the postgres user Debian's package creates.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$dir"
    as_owner() { su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; }
fi
password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
cleanup() {
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf '%s\n' "$password" > "$dir/pwfile"
chmod 600 "$dir/pwfile"
[ "$(id -u)" = 0 ] && chown postgres "$dir/pwfile"
if ! as_owner "$bin/initdb" --no-sync -D "$dir/data" -U postgres --auth=scram-sha-256 --pwfile="$dir/pwfile" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    echo "with-postgres: initdb failed" >&2
    exit 1
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null; then
    cat "$dir/server.log" >&2
    echo "with-postgres: the server did not start" >&2
    exit 1
fi
export YARDSTICK_TEST_POSTGRES="postgres://postgres:$password@127.0.0.1:$port/postgres"
echo "with-postgres: throwaway PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
status=$?
exit $status
