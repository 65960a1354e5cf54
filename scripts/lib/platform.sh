# Shared by the bench and soak scripts: build the release binaries, start `intoss serve` on
# ephemeral loopback ports, wait for it, make an app with a certificate, read endpoints and
# JSON, and stop everything at exit. Source it after `cd` to the repository root:
#
#   . scripts/lib/platform.sh
#   platform_build [PACKAGE...]         # release intoss-cli + intoss-loadgen (or PACKAGEs) in $BIN
#   platform_work                       # WORK=$(mktemp -d); at exit: stop jobs, remove WORK
#   platform_config "$WORK/c.toml"      # [listen] on 127.0.0.1:0 (append more sections)
#   platform_start "$WORK/d" "$WORK/c.toml" "$WORK/serve.log" [PREFIX...]   # sets PLATFORM_PID
#   platform_app_with_cert "$WORK/d" bench "$WORK/id" [--qpm N]   # app + p256 certificate
#   GW=$(platform_endpoint "$WORK/d" gateway)   # host:port (--port for the port only)
#   platform_stop                       # stops the server platform_start started, and waits
#   jget summary.requestsPerSec "$JSON"         # a field (also from stdin); floats to 2 places
#   PORT=$(free_port); wait_port "$PORT"        # for helper servers (NGINX, Redis)
#
# PREFIX is a command the server runs under (`taskset -c 0`, `valgrind --tool=callgrind ...`).
# JSON goes through `intoss-loadgen json` (crates/loadgen/src/script.rs), never inline Python.
# The exit trap (platform_work, or `trap platform_cleanup EXIT`) stops every background job of
# the script, servers and load loops alike; a script sets no trap of its own.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/intoss-target}"
BIN="$CARGO_TARGET_DIR/release"
PLATFORM_PID=
WORK=

# Builds the release binaries into $BIN: intoss-cli and intoss-loadgen, or the given packages.
platform_build() {
  local packages=("$@") args=() p
  [ $# -gt 0 ] || packages=(intoss-cli intoss-loadgen)
  for p in "${packages[@]}"; do args+=(-p "$p"); done
  cargo build --release -q "${args[@]}"
}

# Makes WORK, a temporary directory, and installs the exit trap.
platform_work() {
  WORK=$(mktemp -d)
  trap platform_cleanup EXIT
}

# At exit: stops the script's background jobs, waits for them, removes WORK.
platform_cleanup() {
  local jobs
  jobs=$(jobs -p)
  [ -z "$jobs" ] || kill $jobs 2>/dev/null || true
  wait 2>/dev/null || true
  [ -z "$WORK" ] || rm -rf "$WORK"
}

# $1: the config file to write (listeners on ephemeral loopback ports).
platform_config() {
  printf '[listen]\ngateway = "127.0.0.1:0"\ncert = "127.0.0.1:0"\nconsole = "127.0.0.1:0"\n' > "$1"
}

# $1 data dir, $2 config, $3 log file, then an optional prefix command. Waits (up to 120 s, for
# valgrind) until endpoints.json is written; fails with the server's log otherwise. Sets
# PLATFORM_PID.
platform_start() {
  local data=$1 config=$2 log=$3
  shift 3
  rm -f "$data/endpoints.json"
  INTOSS_LOG=${INTOSS_LOG:-warn} "$@" "$BIN/intoss" serve --data-dir "$data" --config "$config" > "$log" 2>&1 &
  PLATFORM_PID=$!
  platform_wait "$data" || { echo "intoss serve did not start; its log:" >&2; cat "$log" >&2; return 1; }
}

# $1 data dir: waits for endpoints.json (written once all listeners are bound).
platform_wait() {
  local _
  for _ in $(seq 24000); do [ -f "$1/endpoints.json" ] && return 0; sleep 0.005; done
  return 1
}

# Stops the server of the last platform_start and waits for it to exit.
platform_stop() {
  [ -n "$PLATFORM_PID" ] || return 0
  kill "$PLATFORM_PID" 2>/dev/null || true
  wait "$PLATFORM_PID" 2>/dev/null || true
  PLATFORM_PID=
}

# $1 data dir, $2 app, $3 directory for client-cert.pem/client-key.pem, then `intoss app
# create` options (e.g. --qpm 10000000).
platform_app_with_cert() {
  local data=$1 app=$2 out=$3
  shift 3
  "$BIN/intoss" app create "$app" "$@" --data-dir "$data" > /dev/null
  "$BIN/intoss" cert issue --app "$app" --key-type p256 --out "$out" --data-dir "$data" > /dev/null
}

# $1 data dir, $2 gateway|cert|console, [--port].
platform_endpoint() { "$BIN/intoss-loadgen" endpoint "$@"; }

# A free port on 127.0.0.1.
free_port() { "$BIN/intoss-loadgen" port; }

# Waits (up to 10 s) until something accepts on 127.0.0.1:$1; fails otherwise.
wait_port() {
  local _
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $1 never opened" >&2
  return 1
}

# jget PATH [JSON]: the value at a dotted path; JSON from stdin when absent.
jget() { "$BIN/intoss-loadgen" json get "$@"; }
# jset KEY NUMBER JSON: the document with KEY set.
jset() { "$BIN/intoss-loadgen" json set "$@"; }
# jmedian PATH JSON...: the document whose number at PATH is the median.
jmedian() { "$BIN/intoss-loadgen" json median "$@"; }

# Arithmetic on decimals, rounded to $2 places (default 2): calc EXPR [PLACES].
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }" | sed -E 's/(\.[0-9]*[1-9])0+$/\1/; s/\.0+$//'; }
