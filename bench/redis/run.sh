#!/usr/bin/env bash
# Side-by-side redis-benchmark: Debian's redis-server (appendonly yes, appendfsync
# everysec) against orbit-server with comparable durability (--durability group:
# WAL fsync every 10 ms, stricter than everysec), on the same machine, one run.
# Prints ops/s per test for both, the Orbit/Redis ratio, and p50 latencies.
#
# Usage: bench/redis/run.sh [-n requests] [-c clients] [-P pipeline,...] [-t tests] [-T orbit-threads]
# Needs redis-server and redis-tools (scripts/setup installs them) and a release build.
set -euo pipefail
cd "$(dirname "$0")/../.."

REQUESTS=200000
CLIENTS=50
PIPELINES="1 16"
TESTS="set,get,incr,lpush,rpop,sadd,hset,zadd,lrange_100,mset"
THREADS=0  # orbit-server's default: one shard per core
while getopts "n:c:P:t:T:" opt; do
  case $opt in
    n) REQUESTS=$OPTARG ;;
    c) CLIENTS=$OPTARG ;;
    P) PIPELINES=${OPTARG//,/ } ;;
    t) TESTS=$OPTARG ;;
    T) THREADS=$OPTARG ;;
    *) exit 2 ;;
  esac
done

BIN=build/release/bin/orbit-server
[ -x "$BIN" ] || { echo "build first: scripts/build release" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server missing: scripts/setup" >&2; exit 1; }

WORK=$(mktemp -d /tmp/orbit-bench-redis.XXXXXX)
REDIS_PORT=$((20000 + RANDOM % 10000))
ORBIT_PORT=$((REDIS_PORT + 1))
cleanup() {
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null || true
  [ -n "${ORBIT_PID:-}" ] && kill "$ORBIT_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/redis" "$WORK/orbit"
redis-server --port "$REDIS_PORT" --dir "$WORK/redis" --appendonly yes --appendfsync everysec \
  --save "" --daemonize no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
"$BIN" --data-dir "$WORK/orbit" --redis-port "$ORBIT_PORT" --http-port 0 --pg-enabled false --durability group --threads "$THREADS" \
  >"$WORK/orbit.log" 2>&1 &
ORBIT_PID=$!
for port in "$REDIS_PORT" "$ORBIT_PORT"; do
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

run() {  # port pipeline -> "test,rps,p50,p99" lines. One test per run: redis-benchmark
  # stops at the first error reply, and a command Orbit lacks must not hide the rest.
  for t in ${TESTS//,/ }; do
    (redis-benchmark -p "$1" -n "$REQUESTS" -c "$CLIENTS" -P "$2" -t "$t" --csv 2>/dev/null |
      tail -n +2 || true) | tr -d '"' | awk -F, '{print $1","$2","$5","$7}'
  done
}

echo "orbit-server shards: $( [ "$THREADS" = 0 ] && nproc || echo "$THREADS" ); redis-benchmark -n $REQUESTS -c $CLIENTS"
printf "%-28s %12s %12s %8s %10s %10s %10s %10s\n" "test (-P)" "redis ops/s" "orbit ops/s" "ratio" \
  "redis p50" "orbit p50" "redis p99" "orbit p99"
for P in $PIPELINES; do
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  redis-cli -p "$ORBIT_PORT" flushall >/dev/null
  run "$REDIS_PORT" "$P" >"$WORK/r.csv"
  run "$ORBIT_PORT" "$P" >"$WORK/o.csv"
  LC_ALL=C join -t, -j1 -a1 -e missing -o 0,1.2,1.3,1.4,2.2,2.3,2.4 <(LC_ALL=C sort "$WORK/r.csv") \
    <(LC_ALL=C sort "$WORK/o.csv") | while IFS=, read -r test r_rps r_p50 r_p99 o_rps o_p50 o_p99; do
    ratio=$(awk -v o="$o_rps" -v r="$r_rps" 'BEGIN { if (r > 0) printf "%.2f", o / r; else print "n/a" }')
    printf "%-28s %12s %12s %8s %10s %10s %10s %10s\n" "$test (P$P)" "$r_rps" "$o_rps" "$ratio" \
      "$r_p50" "$o_p50" "$r_p99" "$o_p99"
  done
done
