#!/usr/bin/env bash
# test_upgrade.sh - a run or sweep recorded by an older miles continues under a newer one when the
# only difference is keys the newer schema added at their defaults (core/config.h,
# config_rehash_*), and is still refused when a value the run used changed. An older miles is
# simulated by removing a key at its default (train.precision) from the recorded configuration
# and giving the record a hash this build would not compute.
#
# usage: test_upgrade.sh BUILD_DIR
set -u
B=${1:?usage: test_upgrade.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/lib.sh"

tiny_cache
tiny_exp 1 vanilla "$T/sweep" > "$T/exp.yaml"
tiny_search >> "$T/exp.yaml"
"$MILES" sweep "$T/exp.yaml" --quiet > "$T/out" 2>&1 || fail "first sweep: $(tail -3 "$T/out")"

# ---- a run: state.txt's hash from an older key set, config.yaml without train.precision -------
run=$T/sweep/trial-000
grep -q '^  precision: fp32$' "$run/config.yaml" || fail "config.yaml: expected a 'precision: fp32' line to remove"
cp "$run/config.yaml" "$T/config.orig"
sed -i '/^  precision: fp32$/d' "$run/config.yaml"
sed -i 's/^config_hash .*/config_hash 0123456789abcdef/' "$run/ckpt/state.txt"
values=$(sed -n 's/^ *"values": *"\([^"]*\)",\{0,1\}$/\1/p' "$run/trial.json")
sets=()
for v in $values; do sets+=(--set "$v"); done
"$MILES" train "$T/exp.yaml" --out "$run" --resume "${sets[@]}" > "$T/out" 2>&1
rc=$?
[ $rc = 0 ] || fail "resume of an older run that differs only by a new key at its default: exit $rc, $(tail -3 "$T/out")"
# the same record with a value the run used changed is another run
sed -i 's/^  batch_size: 25$/  batch_size: 50/' "$run/config.yaml"
"$MILES" train "$T/exp.yaml" --out "$run" --resume "${sets[@]}" > "$T/out" 2>&1
rc=$?
[ $rc = 2 ] || fail "resume of a run made with another batch size: expected exit 2, found $rc"
grep -q "another configuration" "$T/out" || fail "resume refusal: $(tail -2 "$T/out")"
cp "$T/config.orig" "$run/config.yaml"

# ---- a sweep: sweep.json's base hash from an older key set ---------------------------------------
/usr/bin/python3 - "$T/sweep/sweep.json" <<'PY' || fail "could not edit sweep.json"
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["base_config"] = "".join(l + "\n" for l in m["base_config"].splitlines() if l != "  precision: fp32")
m["base_hash"] = "0123456789abcdef"
json.dump(m, open(p, "w"), indent=2)
PY
"$MILES" sweep "$T/exp.yaml" --quiet > "$T/out" 2>&1
rc=$?
[ $rc = 0 ] || fail "continuing an older sweep that differs only by a new key at its default: exit $rc, $(tail -3 "$T/out")"
"$MILES" sweep "$T/exp.yaml" --quiet --set train.batch_size=50 > "$T/out" 2>&1
rc=$?
[ $rc = 2 ] || fail "continuing the sweep with another batch size: expected exit 2, found $rc"
grep -q "base configuration changed" "$T/out" || fail "sweep refusal: $(tail -2 "$T/out")"
# its diff is read under today's schema: the real change alone, not train.precision, which the
# older record lacks but which is at its default in both
grep -q "base configuration changed (train.batch_size 25 -> 50)" "$T/out" ||
  fail "sweep refusal: expected the diff '(train.batch_size 25 -> 50)' alone, found: $(grep -o 'base configuration changed ([^)]*)' "$T/out")"

[ $fails = 0 ] && echo "test_upgrade: ok" || { echo "test_upgrade: $fails failure(s)"; exit 1; }
