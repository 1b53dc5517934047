#!/usr/bin/env bash
# bench/actors: Orbit's actor runtime side by side with the C++ Actor Framework
# (CAF 0.17) in one run, then activations/memory and gRPC Invoke load.
#   (a) ping-pong (pairs of actors, sequential request/reply) and fan-out (one
#       driver to 10,000 actors), messages/s; each program runs --runs times,
#       alternating, and the medians are compared (the machine is shared and noisy);
#   (b) activation rate and RSS per idle actor with --actors actors (--runs
#       runs, median); calls come from a driver on every shard, 1,024 in flight;
#   (c) orbit.v1.ActorService/Invoke calls/s, p50 and p99 with 16 concurrent streams.
#
# Usage: bench/actors/run.sh [-r runs] [-p pairs] [-n exchanges] [-a actors] [-s grpc-seconds] [-T threads]
# Needs a release build (scripts/build release) with libcaf-dev installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=3 PAIRS=64 ROUNDS=20000 ACTORS=1000000 GRPC_SECONDS=10 THREADS=2
while getopts "r:p:n:a:s:T:" opt; do
  case $opt in
    r) RUNS=$OPTARG ;; p) PAIRS=$OPTARG ;; n) ROUNDS=$OPTARG ;; a) ACTORS=$OPTARG ;;
    s) GRPC_SECONDS=$OPTARG ;; T) THREADS=$OPTARG ;; *) exit 2 ;;
  esac
done
BIN=build/release/bin
for b in orbit_actors_bench caf_actors_bench grpc_invoke_bench orbit-server; do
  [ -x "$BIN/$b" ] || { echo "missing $BIN/$b: scripts/build release (caf_actors_bench needs libcaf-dev)" >&2; exit 1; }
done

value() { awk -v k="$1" '$1 == k { print $2 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > /tmp/orbit-actors-bench.$$ ; : > /tmp/caf-actors-bench.$$
for i in $(seq "$RUNS"); do
  "$BIN/orbit_actors_bench" --pairs "$PAIRS" --rounds "$ROUNDS" --actors 1 --threads "$THREADS" >> /tmp/orbit-actors-bench.$$
  "$BIN/caf_actors_bench" --pairs "$PAIRS" --rounds "$ROUNDS" --threads "$THREADS" >> /tmp/caf-actors-bench.$$
done
echo "threads: $THREADS, runs: $RUNS (medians), pairs: $PAIRS x $ROUNDS exchanges, fan-out: 10000 actors x 20 rounds"
printf "%-28s %14s %14s %8s\n" "workload" "CAF msg/s" "Orbit msg/s" "ratio"
for k in pingpong_msgs_per_s fanout_msgs_per_s; do
  o=$(value $k < /tmp/orbit-actors-bench.$$ | median)
  c=$(value $k < /tmp/caf-actors-bench.$$ | median)
  printf "%-28s %14s %14s %8.2f\n" "${k%_msgs_per_s}" "$c" "$o" "$(echo "$o / $c" | bc -l)"
done
rm -f /tmp/orbit-actors-bench.$$ /tmp/caf-actors-bench.$$

echo
: > /tmp/orbit-activations.$$
for i in $(seq "$RUNS"); do
  "$BIN/orbit_actors_bench" --pairs 1 --rounds 1 --fanout 1 --fanout-rounds 1 --actors "$ACTORS" --threads "$THREADS" \
    | grep -E "^(activations_per_s|bytes_per_idle_actor)" >> /tmp/orbit-activations.$$
done
echo "activations (each of $RUNS runs, then the median):"
grep "^activations_per_s" /tmp/orbit-activations.$$ | sed 's/^/  /'
printf "activations_per_s_median %s act/s\n" "$(value activations_per_s < /tmp/orbit-activations.$$ | median)"
printf "bytes_per_idle_actor_median %s B\n" "$(value bytes_per_idle_actor < /tmp/orbit-activations.$$ | median)"
rm -f /tmp/orbit-activations.$$

echo
DATA=$(mktemp -d)
"$BIN/orbit-server" --data-dir "$DATA" --http-port 0 --redis-enabled false --pg-enabled false --grpc-port 0 \
  --threads "$THREADS" > "$DATA/out.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do grep -q '^ready' "$DATA/out.log" && break; sleep 0.1; done
PORT=$(awk '/grpc listening on/ { split($4, a, ":"); print a[2] }' "$DATA/out.log")
"$BIN/grpc_invoke_bench" --target "127.0.0.1:$PORT" --concurrency 16 --seconds "$GRPC_SECONDS"
