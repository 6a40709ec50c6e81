#!/usr/bin/env bash
# test_mmimdb_experiments.sh - the MM-IMDb sweep files (experiments/mmimdb/, the paper's grid;
# experiments/mmimdb-standin-grid/, the CPU grid) and the stand-in's calibration runs
# (experiments/mmimdb-standin-calibration/) pass config validation: every sweep's trials are
# drawn and checked (`miles sweep --dry-run`), every calibration run gets as far as its cache.
# Also: the 20 sweeps of each grid (9 methods x concat, sum + unimodal a, b), each writing to its
# own output directory under the grid's results, with a search seed of its own.
#
# usage: test_mmimdb_experiments.sh BUILD_DIR
set -u
B=${1:?usage: test_mmimdb_experiments.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1

sweeps="unimodal-a unimodal-b"
for m in vanilla mslr_keep mslr_smooth mslr_dynamic ogm ogm_ge mses gblend miles; do
  sweeps="$sweeps $m-concat $m-sum"
done
for grid in mmimdb:results/mmimdb mmimdb-standin-grid:results/mmimdb-standin/grid; do
  dir=experiments/${grid%%:*} out=${grid#*:}
  [ "$(ls "$dir"/*.yaml | wc -l)" = 20 ] || fail "$dir: expected 20 sweep files, found $(ls "$dir"/*.yaml | wc -l)"
  for s in $sweeps; do
    f=$dir/$s.yaml
    [ -f "$f" ] || { fail "$f missing"; continue; }
    grep -q "^  dir: $out/$s\$" "$f" || fail "$f: output.dir is not $out/$s"
    grep -q '^  name: mmimdb$' "$f" || fail "$f: dataset.name is not mmimdb"
    "$MILES" sweep "$f" --dry-run >"$T/out" 2>&1 || fail "$f: miles sweep --dry-run exited $?: $(tail -n 3 "$T/out")"
  done
  dups=$(for f in "$dir"/*.yaml; do sed -n '/^search:/,$s/^  seed: //p' "$f"; done | sort | uniq -d)
  [ -z "$dups" ] || fail "$dir: search seeds used twice: $dups"
done
for f in experiments/mmimdb-standin-calibration/*.yaml; do
  "$MILES" train "$f" --set dataset.cache="$T/none.h5" --out "$T/run" >"$T/out" 2>&1
  grep -q "none.h5: cannot open" "$T/out" || fail "$f: expected to pass validation and stop at the missing cache: $(tail -n 3 "$T/out")"
done
[ "$fails" = 0 ] && echo "test_mmimdb_experiments: all passed"
[ "$fails" = 0 ]
