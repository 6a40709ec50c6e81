#!/usr/bin/env bash
# test_harden_lock.sh - one writer per run directory (issue 15, item 4).
#
# usage: test_harden_lock.sh BUILD_DIR
# While a `miles train` runs into DIR, a second one into DIR (fresh or --resume) exits 2 at once
# with "run directory in use by PID <the first>" and changes nothing (it used to train too and
# leave a directory mixing two runs). After the first is SIGKILLed its lock does not block:
# --resume completes the run.
set -u
B=${1:?usage: test_harden_lock.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
pid=
. "$(dirname "$0")/lib.sh"
tiny_cache

tiny_exp 20 vanilla "$T/unused" > "$T/exp.yaml"

"$MILES" train "$T/exp.yaml" --out "$T/run" --quiet &
pid=$!
# the first writer holds the lock once log.txt exists; config.yaml, which the check below
# compares, follows it (on a loaded machine, not at once)
for _ in $(seq 1 600); do
  [ -f "$T/run/config.yaml" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -0 $pid 2>/dev/null || fail "the first run ended before the second could start"
cp "$T/run/config.yaml" "$T/config.before"
for extra in "" --resume; do
  "$MILES" train "$T/exp.yaml" --out "$T/run" --quiet $extra --set train.lr=0.02 2>"$T/err"; rc=$?
  [ $rc = 2 ] || fail "second writer ${extra:-(fresh)}: exit $rc, expected 2: $(cat "$T/err")"
  grep -q "run directory in use by PID $pid" "$T/err" || fail "second writer ${extra:-(fresh)}: message: $(cat "$T/err")"
  # "at once": it gave up while the first writer still holds the lock (no waiting for it)
  kill -0 $pid 2>/dev/null || fail "second writer ${extra:-(fresh)}: returned only after the first writer ended"
done
cmp -s "$T/config.before" "$T/run/config.yaml" || fail "the second writer changed config.yaml"
grep -q "in use" "$T/err" && echo "second writer: $(cat "$T/err")"

# a SIGKILLed writer leaves run.lock behind, but not the lock
kill -0 $pid 2>/dev/null || fail "the first run ended before it could be killed (test too fast)"
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
[ -f "$T/run/run.lock" ] || fail "no run.lock in the run directory"
"$MILES" train "$T/exp.yaml" --out "$T/run" --quiet --resume 2>"$T/err" ||
  fail "resume after the first writer was killed exited $?: $(cat "$T/err")"
grep -q '"status": "completed"' "$T/run/summary.json" 2>/dev/null || fail "the resumed run did not complete"

if [ $fails -gt 0 ]; then echo "test_harden_lock: $fails check(s) failed"; exit 1; fi
echo "test_harden_lock: all checks passed"
