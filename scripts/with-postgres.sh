#!/usr/bin/env bash
# Runs a command with PRACTICETEXT_PG_URL pointing at a PostgreSQL server.
#
#   scripts/with-postgres.sh CMD [ARG...]
#   e.g. scripts/with-postgres.sh cargo test -p practicetext-postgres --features server-tests
#
# - PRACTICETEXT_PG_URL already set: runs CMD against that server.
# - Otherwise starts a throwaway server: initdb into a temporary directory,
#   listening on a free port of 127.0.0.1 only (its unix socket stays in that
#   directory), runs CMD, then always stops the server and deletes the
#   directory, whether CMD passed, failed or was interrupted.
# - PostgreSQL's initdb/pg_ctl are looked for on PATH, then in
#   /usr/lib/postgresql/*/bin (Debian's place, not on PATH); if missing and
#   we are root with apt-get (a fresh CI machine), Debian's `postgresql` is
#   installed first.
# - initdb refuses to run as root: as root the server runs as the `postgres`
#   system user (created by Debian's package; created here if missing).
# - The cluster's default collation is ICU en-US where available, so the
#   stores' sorting tests prove they sort in byte order on their own.
# - The throwaway server does not flush to disk (fsync, synchronous_commit
#   and full_page_writes off): the tests kill client processes, never the
#   server, so they need no flushes and run faster. Set
#   PRACTICETEXT_PG_DURABLE=1 for a server with PostgreSQL's durable
#   defaults (every commit flushed before it returns), as the throughput
#   benchmark must be measured for a durable figure.
#
# Exit status: CMD's, or 1 when no server could be provided.
set -euo pipefail

say() { printf 'with-postgres: %s\n' "$*" >&2; }

if [[ $# -eq 0 ]]; then
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

if [[ -n "${PRACTICETEXT_PG_URL:-}" ]]; then
    exec "$@"
fi

# The directory holding initdb, pg_ctl and postgres, newest version first.
pg_bindir() {
    local found d
    found=$(command -v initdb 2>/dev/null || true)
    for d in ${found:+"$(dirname "$(readlink -f "$found")")"} \
        $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

install_postgres() {
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        say "PostgreSQL (initdb, pg_ctl) is not installed and I cannot install it here."
        say "Install it (Debian: apt-get install postgresql) or set PRACTICETEXT_PG_URL."
        return 1
    fi
    say "PostgreSQL not found; installing Debian's postgresql package"
    # Keep the package from starting its own server on port 5432.
    local policy=/usr/sbin/policy-rc.d added_policy=""
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
    fi
    local status=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql
    } >&2 || status=$?
    if [[ -n $added_policy ]]; then rm -f "$policy"; fi
    return "$status"
}

bindir=$(pg_bindir) || { install_postgres && bindir=$(pg_bindir); } || {
    say "no PostgreSQL server binaries found"
    exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/practicetext-pg.XXXXXX")
run_as=()
if [[ $(id -u) -eq 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi
    chown postgres "$tmp"
    run_as=(runuser -u postgres --)
fi
pg() { "${run_as[@]}" "$bindir/$1" "${@:2}"; }

cleanup() {
    if [[ -f $tmp/data/postmaster.pid ]]; then
        pg pg_ctl -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

initdb_args=(-D "$tmp/data" -U practicetext -A trust -E UTF8 --no-sync --no-instructions)
if ! pg initdb "${initdb_args[@]}" --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US \
    >"$tmp/initdb.log" 2>&1; then
    rm -rf "$tmp/data"
    pg initdb "${initdb_args[@]}" --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 ||
        pg initdb "${initdb_args[@]}" --locale=C >"$tmp/initdb.log" 2>&1 || {
        cat "$tmp/initdb.log" >&2
        say "initdb failed"
        exit 1
    }
fi

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=""
for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    port_is_free "$port" || continue
    options="-c listen_addresses=127.0.0.1 -p $port -k $tmp"
    if [[ "${PRACTICETEXT_PG_DURABLE:-0}" != 1 ]]; then
        options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    if pg pg_ctl -D "$tmp/data" -l "$tmp/server.log" -o "$options" -w -t 60 start >/dev/null; then
        started=1
        break
    fi
done
if [[ -z $started ]]; then
    cat "$tmp/server.log" >&2 || true
    say "could not start PostgreSQL"
    exit 1
fi

export PRACTICETEXT_PG_URL="postgresql://practicetext@127.0.0.1:$port/postgres"
say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway)"
# CMD runs in the foreground: Ctrl-C reaches it and then this script, which
# cleans up on exit (a signal sent to this script alone takes effect when
# CMD ends: bash runs traps between commands).
status=0
"$@" || status=$?
exit "$status"
