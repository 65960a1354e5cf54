# Shared by the bench and soak scripts: build the release binaries, start `intoss serve` on
# ephemeral loopback ports, wait for it, make an app with a certificate, read endpoints and
# JSON. Source it after `cd` to the repository root:
#
#   . scripts/lib/platform.sh
#   platform_build                      # release intoss + intoss-loadgen; sets BIN
#   WORK=$(mktemp -d); platform_config "$WORK/c.toml"   # [listen] on 127.0.0.1:0 (append more)
#   platform_start "$WORK/d" "$WORK/c.toml" "$WORK/serve.log" [PREFIX...]   # sets PLATFORM_PID
#   platform_app_with_cert "$WORK/d" bench "$WORK/id" [--qpm N]   # app + p256 certificate
#   GW=$(platform_endpoint "$WORK/d" gateway)   # host:port (--port for the port only)
#   jget summary.requestsPerSec "$JSON"         # a field (also from stdin); floats to 2 places
#
# PREFIX is a command the server runs under (`taskset -c 0`, `valgrind --tool=callgrind ...`).
# JSON goes through `intoss-loadgen json` (crates/loadgen/src/script.rs), never inline Python.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/intoss-target}"

platform_build() {
  cargo build --release -q -p intoss-cli -p intoss-loadgen
  BIN="$CARGO_TARGET_DIR/release"
}

# $1: the config file to write (listeners on ephemeral loopback ports).
platform_config() {
  printf '[listen]\ngateway = "127.0.0.1:0"\ncert = "127.0.0.1:0"\nconsole = "127.0.0.1:0"\n' > "$1"
}

# $1 data dir, $2 config, $3 log file, then an optional prefix command. Waits (up to 120 s, for
# valgrind) until endpoints.json is written. Sets PLATFORM_PID.
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

# jget PATH [JSON]: the value at a dotted path; JSON from stdin when absent.
jget() { "$BIN/intoss-loadgen" json get "$@"; }
# jset KEY NUMBER JSON: the document with KEY set.
jset() { "$BIN/intoss-loadgen" json set "$@"; }
# jmedian PATH JSON...: the document whose number at PATH is the median.
jmedian() { "$BIN/intoss-loadgen" json median "$@"; }

# Arithmetic on decimals, rounded to $3 places (default 2): calc EXPR [PLACES].
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }" | sed -E 's/(\.[0-9]*[1-9])0+$/\1/; s/\.0+$//'; }
