#!/usr/bin/env bash
# Side-by-side pgbench: Debian's PostgreSQL 15 (a throwaway cluster, fsync=on,
# synchronous_commit=on) against orbit-server (--durability sync: every commit
# fsyncs its WAL before it is acknowledged), on the same machine, one run.
# Each server gets `pgbench -i -s SCALE`, then `pgbench -c CLIENTS -j JOBS -T SECONDS`
# per mode (simple, extended, prepared: TPC-B-like; select: -S), then sysbench
# oltp_point_select and oltp_read_write (--db-driver=pgsql, 4 tables of
# SYSBENCH_ROWS rows, CLIENTS threads). Prints tps and average latency for both
# and the Orbit/PostgreSQL ratio.
#
# Usage: bench/pg/run.sh [-s scale] [-c clients] [-j jobs] [-T seconds] [-m modes] [-r sysbench rows]
#   e.g. bench/pg/run.sh -s 10 -c 8 -j 2 -T 60 -m simple,extended,prepared,select
# Needs postgresql-15 (server and pgbench; scripts/setup installs it), root or
# the postgres user for initdb, and a release build.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCALE=10
CLIENTS=8
JOBS=2
SECONDS_PER_RUN=30
MODES="simple extended prepared select"
SYSBENCH_ROWS=10000
while getopts "s:c:j:T:m:r:" opt; do
  case $opt in
    s) SCALE=$OPTARG ;;
    c) CLIENTS=$OPTARG ;;
    j) JOBS=$OPTARG ;;
    T) SECONDS_PER_RUN=$OPTARG ;;
    m) MODES=${OPTARG//,/ } ;;
    r) SYSBENCH_ROWS=$OPTARG ;;
    *) exit 2 ;;
  esac
done

BIN=build/release/bin/orbit-server
PGBIN=/usr/lib/postgresql/15/bin
[ -x "$BIN" ] || { echo "build first: scripts/build release" >&2; exit 1; }
[ -x "$PGBIN/pgbench" ] || { echo "postgresql-15 missing: scripts/setup" >&2; exit 1; }

WORK=$(mktemp -d /tmp/orbit-bench-pg.XXXXXX)
chmod 755 "$WORK"
PG_PORT=$((30000 + RANDOM % 10000))
ORBIT_PORT=$((PG_PORT + 1))
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
cleanup() {
  [ -n "${ORBIT_PID:-}" ] && kill "$ORBIT_PID" 2>/dev/null || true
  [ -d "$WORK/pg" ] && as_postgres "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/pg" "$WORK/sock" "$WORK/orbit" "$WORK/pglog"
chown postgres "$WORK/pg" "$WORK/sock" "$WORK/pglog"
as_postgres "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >"$WORK/initdb.log"
as_postgres "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pglog/pg.log" -w \
  -o "-p $PG_PORT -k $WORK/sock -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start >/dev/null
"$BIN" --data-dir "$WORK/orbit" --pg-port "$ORBIT_PORT" --redis-enabled false --http-port 0 --durability sync \
  >"$WORK/orbit.log" 2>&1 &
ORBIT_PID=$!
for _ in $(seq 100); do psql -X -h 127.0.0.1 -p "$ORBIT_PORT" -U postgres -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done

init() {  # port -> seconds taken by pgbench -i
  local start end
  start=$(date +%s.%N)
  "$PGBIN/pgbench" -h 127.0.0.1 -p "$1" -U postgres -i -s "$SCALE" -q postgres >"$WORK/init-$1.log" 2>&1 ||
    { cat "$WORK/init-$1.log" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

run() {  # port mode -> "tps latency_ms failed"
  local args=(-h 127.0.0.1 -p "$1" -U postgres -c "$CLIENTS" -j "$JOBS" -T "$SECONDS_PER_RUN" -n)
  case $2 in
    select) args+=(-S) ;;
    *) args+=(-M "$2") ;;
  esac
  "$PGBIN/pgbench" "${args[@]}" postgres >"$WORK/run-$1-$2.log" 2>&1 || true
  awk '/^tps = /{tps=$3} /^latency average/{lat=$4} /^number of failed transactions/{failed=$5}
       END{printf "%s %s %s\n", tps==""?0:tps, lat==""?0:lat, failed==""?"?":failed}' "$WORK/run-$1-$2.log"
}

echo "pgbench -s $SCALE -c $CLIENTS -j $JOBS -T $SECONDS_PER_RUN on $(nproc) cores"
PG_INIT=$(init "$PG_PORT")
ORBIT_INIT=$(init "$ORBIT_PORT")
printf "%-10s %12.2f %12.2f %8.2f   (pgbench -i seconds; ratio = pg/orbit)\n" init "$PG_INIT" "$ORBIT_INIT" \
  "$(echo "scale=4; $PG_INIT / $ORBIT_INIT" | bc)"
printf "%-10s %12s %12s %8s %12s %12s %10s\n" mode pg_tps orbit_tps ratio pg_lat_ms orbit_lat_ms orbit_fail
for mode in $MODES; do
  read -r pg_tps pg_lat _ < <(run "$PG_PORT" "$mode")
  read -r o_tps o_lat o_failed < <(run "$ORBIT_PORT" "$mode")
  ratio=$(awk -v o="$o_tps" -v p="$pg_tps" 'BEGIN{ if (p > 0) printf "%.2f", o / p; else print "n/a" }')
  printf "%-10s %12.1f %12.1f %8s %12s %12s %10s\n" "$mode" "$pg_tps" "$o_tps" "$ratio" "$pg_lat" "$o_lat" "$o_failed"
done

if command -v sysbench >/dev/null; then
  sb() {  # port workload command -> sysbench output
    sysbench --db-driver=pgsql --pgsql-host=127.0.0.1 --pgsql-port="$1" --pgsql-user=postgres --pgsql-db=postgres \
      --tables=4 --table-size="$SYSBENCH_ROWS" --threads="$CLIENTS" --time="$SECONDS_PER_RUN" "$2" "$3" 2>&1
  }
  for port in "$PG_PORT" "$ORBIT_PORT"; do sb "$port" oltp_read_write prepare >"$WORK/sb-prepare-$port.log"; done
  for workload in oltp_point_select oltp_read_write; do
    read -r pg_tps pg_lat < <(sb "$PG_PORT" "$workload" run |
      awk '/transactions:/{gsub(/[(]/,"",$3); print $3} /avg:/{print $2}' | paste -sd' ')
    read -r o_tps o_lat < <(sb "$ORBIT_PORT" "$workload" run |
      awk '/transactions:/{gsub(/[(]/,"",$3); print $3} /avg:/{print $2}' | paste -sd' ')
    ratio=$(awk -v o="$o_tps" -v p="$pg_tps" 'BEGIN{ if (p > 0) printf "%.2f", o / p; else print "n/a" }')
    printf "%-18s %12.1f %12.1f %8s %12s %12s\n" "$workload" "$pg_tps" "$o_tps" "$ratio" "$pg_lat" "$o_lat"
  done
fi
