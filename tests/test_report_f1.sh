#!/usr/bin/env bash
# test_report_f1.sh - `miles report` on runs scored by multi-label F1 (MM-IMDb): the tables'
# F1 cells (micro by default, --f1 selects another average) and the four averages printed for a
# single run, against the F1s tests/report-f1/make-fixtures.py computes by hand from a 4-movie,
# 3-genre test set (its docstring has the arithmetic).
#
# usage: test_report_f1.sh BUILD_DIR
set -u
B=${1:?usage: test_report_f1.sh BUILD_DIR}
MILES=$B/csrc/miles
HERE=$(cd "$(dirname "$0")/report-f1" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$HERE" || exit 1

report() { "$MILES" report "$@" >"$T/out" 2>"$T/err" || fail "report $* exited $?: $(head -c 300 "$T/err")"; }
has() { grep -qF -- "$1" "$T/out" || fail "report $2: expected the line '$1'; got: $(grep -F "${3:-|}" "$T/out" | head -5)"; }

# 1. Table I: text alone and image alone, micro-F1 by default (hand: 90.9 and 60.0)
report results --table I
has '| MM-IMDb | Text | 90.9† F1 | Image | 60.0† F1 |' "--table I"
has 'F1: the micro average of the per-label F1 at threshold 0.5' "--table I (caption)" 'F1:'
report results --table I --f1 macro
has '| MM-IMDb | Text | 93.3† F1 | Image | 28.6† F1 |' "--table I --f1 macro"
has 'F1: the macro average' "--table I --f1 macro (caption)" 'F1:'
# 2. Table II: vanilla (the hand F1s) and MILES (half of them); Delta = text - image of the
# rounded values; multi-label runs have no paired intervals
report results --table II
has '| Vanilla | **72.7†** | **90.9†** | **60.0†** | +30.9† | 1 | - | - | - |' "--table II"
has '| + MILES | 36.4† | 45.5† | 30.0† | **+15.5†** | 1 | - | - | 1/3 |' "--table II"
for avg in weighted samples; do
  report results --table II --f1 $avg --format csv
  case $avg in
    weighted) want='vanilla,72.2,-,90.0,-,42.9,-,+47.1' ;;  # 13/18, 9/10, 3/7
    samples) want='vanilla,58.3,-,75.0,-,58.3,-,+16.7' ;;   # 7/12, 3/4, 7/12
  esac
  grep -q "^$want," "$T/out" || fail "--table II --f1 $avg --format csv: expected a row starting '$want': $(grep '^vanilla' "$T/out")"
done
# 3. One run: its four averages per head, in every format
report results/concat/vanilla
has '| Fused (Text+Image) | 72.7 | 77.8 | 72.2 | 58.3 |' "results/concat/vanilla"
has '| Text | 90.9 | 93.3 | 90.0 | 75.0 |' "results/concat/vanilla"
has '| Image | 60.0 | 28.6 | 42.9 | 58.3 |' "results/concat/vanilla"
report results/concat/vanilla --format csv
has 'results/concat/vanilla,fused,fused,72.7,77.8,72.2,58.3' "--format csv" ','
report results/concat/vanilla --format tex
has 'Text & 90.9 & 93.3 & 90.0 & 75.0 \\' "--format tex" '&'
# ... not with --table (the table alone), nor for a set of several runs
report results/concat/vanilla --table II
grep -q 'Test F1 of' "$T/out" && fail "--table II: the four averages printed as well"
report results
grep -q 'Test F1 of' "$T/out" && fail "report of several runs: the four averages printed"
# 4. A run written before the four averages were recorded (task metric macro-F1): --f1 macro
# reads its task metric, the others are absent
report results/legacy/vanilla
has '| Fused (Text+Image) | - | 77.8 | - | - |' "results/legacy/vanilla"
report results/legacy/vanilla --table II --f1 macro
has '| Vanilla | 77.8† | 93.3† | 28.6† | +64.7† |' "legacy --f1 macro"
# 5. errors
"$MILES" report results --f1 median >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 2 ] && grep -q 'expected micro, macro, weighted or samples' "$T/err" || fail "--f1 median: exit $rc, $(cat "$T/err")"
"$MILES" report results --trials --f1 macro >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 2 ] && grep -q -- '--f1: applies to the tables' "$T/err" || fail "--trials --f1: exit $rc, $(cat "$T/err")"
[ "$fails" = 0 ] && echo "test_report_f1: all passed"
[ "$fails" = 0 ]
