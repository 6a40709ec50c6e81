#!/usr/bin/env bash
# test_cli.sh - `miles demo`'s argument handling; nothing trains: a 61st --set reaches the
# configuration, --quiet is an option, an unknown option is called unknown, a stray argument is
# refused (each failed before the fix), and nothing is written.
#
# usage: test_cli.sh BUILD_DIR
set -u
B=${1:?usage: test_cli.sh BUILD_DIR}
shift
B=$(cd "$B" && pwd) || exit 1
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

# Runs miles with the arguments: $rc, $out (stdout), $err (stderr).
run() {
  "$MILES" "$@" > "$T/out" 2> "$T/err"
  rc=$?
  out=$(cat "$T/out")
  err=$(cat "$T/err")
}

# ---- miles demo: argument handling; every case fails in validation, before data or training ---
mkdir -p "$T/nodata"
sets=()
for _ in $(seq 1 60); do sets+=(--set train.epochs=2); done
run demo --data "$T/nodata" --out "$T/demo" "${sets[@]}" --set train.epochs=0
[ $rc = 2 ] && grep -q 'train.epochs=0' <<< "$err" && ! grep -q 'unknown option' <<< "$err" ||
  fail "demo with 61 --set (the last invalid): exit $rc, expected 2 naming train.epochs=0: ${err:0:200}"
run demo --set train.epochs=0 --data "$T/nodata" --out "$T/demo" --quiet
[ $rc = 2 ] && grep -q 'train.epochs=0' <<< "$err" ||
  fail "demo --quiet: exit $rc, expected --quiet taken and the invalid --set named: ${err:0:200}"
run demo --bogus
[ $rc = 2 ] && grep -qxF 'miles: unknown option --bogus' <<< "$err" || fail "demo --bogus: exit $rc: ${err:0:200}"
run demo stray
[ $rc = 2 ] && grep -qxF 'miles: too many arguments: stray' <<< "$err" || fail "demo stray: exit $rc: ${err:0:200}"
[ ! -e "$T/demo" ] && [ -z "$(ls -A "$T/nodata")" ] || fail "a demo refused on its arguments wrote files"

if [ $fails -gt 0 ]; then echo "test_cli: $fails check(s) failed"; exit 1; fi
echo "test_cli: all checks passed"
