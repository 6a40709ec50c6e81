#!/usr/bin/env bash
# test_grid_offcheck.sh - tools/grid-offcheck.sh, the grid tools' `offcheck` step (MILES acting vs
# MILES off at the selected configuration), on two tiny MILES sweeps (concat, sum) of the fake
# S-MNIST cache, each reseeded with 4 more seeds as the grid tools do.
#
# usage: test_grid_offcheck.sh BUILD_DIR SOURCE_DIR
#
# Checks:
#   1. one off-run per fusion and seed (the selected trial's 0 and the 4 reseeds'), each trained
#      with method.mu = 1 at the trial's drawn values, so it never lowers an LR (epochs.csv)
#   2. miles-off.md's "fused on" / "fused off" are the runs' test metrics, and "epochs lowered" is
#      the count of epochs.csv rows with lr_a or lr_b below lr_fusion, counted here
#   3. a seed where MILES never lowered an LR trained exactly as with MILES off: equal test
#      metrics (the factor is 1 in both), so a difference there would be the off-run's settings
#   4. tau is drawn from [0.3, 0.5] for concat and [0, 0.01] for sum: the sum seeds must include
#      some that acted (else check 2 compares zeros); a rerun trains nothing and rewrites the
#      same table
set -euo pipefail
B=${1:?usage: test_grid_offcheck.sh BUILD_DIR SOURCE_DIR}
S=${2:?usage: test_grid_offcheck.sh BUILD_DIR SOURCE_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck source=tests/lib.sh
. "$S/tests/lib.sh"
tiny_cache

mkdir -p "$T/grid" "$T/out"
for fusion in concat sum; do
    case $fusion in concat) taus="[0.3, 0.5]" ;; sum) taus="[0.0, 0.01]" ;; esac
    { tiny_exp 3 miles "$T/out/miles-$fusion" | sed "s/^model:$/model:\n  fusion: $fusion/"
      cat <<YAML
search:
  trials: 2
  seed: 5
  params:
    train.lr: {loguniform: [3e-3, 1e-2]}
    method.tau: {uniform: $taus}
    method.mu: {loguniform: [0.1, 0.5]}
YAML
    } > "$T/grid/miles-$fusion.yaml"
    out=$("$MILES" sweep "$T/grid/miles-$fusion.yaml" --jobs 2 2>&1) || { echo "FAIL: sweep $fusion: $out"; exit 1; }
    out=$("$MILES" sweep "$T/grid/miles-$fusion.yaml" --jobs 2 --reseed 4 2>&1) ||
        { echo "FAIL: reseed $fusion: $out"; exit 1; }
done
grep -q "fusion: sum" "$T/out/miles-sum/trial-000/config.yaml" || { echo "FAIL: the sum sweep did not train sum fusion"; exit 1; }

# What tools/cremad-grid and tools/mmimdb-grid define before sourcing the step.
miles=$MILES out=$T/out grid=$T/grid tables=$T jobs=2 prog=test_grid_offcheck
die() { echo "FAIL: offcheck died: $*"; exit 1; }
data() { :; }
# shellcheck source=tools/grid-offcheck.sh
. "$S/tools/grid-offcheck.sh"
offcheck > "$T/offcheck.log" 2>&1 || { echo "FAIL: offcheck: $(cat "$T/offcheck.log")"; exit 1; }
[ -f "$T/miles-off.md" ] || { echo "FAIL: no miles-off.md"; exit 1; }

metric() { # summary.json key, in percent with two decimals as the table prints it
    sed -n "s/^ *\"$2\": *\([-0-9.e]*\).*/\1/p" "$1/summary.json" | awk '{ printf "%.2f", 100 * $1 }'
}
count_lowered() { csv_awk '$col("lr_a") < $col("lr_fusion") || $col("lr_b") < $col("lr_fusion") { n++ } END { print n + 0 }' "$1/epochs.csv"; }

acted=0
for fusion in concat sum; do
    sel=$(best_trial "$fusion")
    [ -n "$sel" ] || { fail "$fusion: no selected trial"; continue; }
    # the section of miles-off.md for this fusion: its table rows, seed first
    rows=$(awk -v f="## $fusion " 'index($0, f) == 1 { on = 1; next } /^## / { on = 0 } on && /^\| [0-9]/' "$T/miles-off.md")
    [ "$(wc -l <<< "$rows")" = 5 ] || fail "$fusion: expected 5 seed rows in miles-off.md, found: $rows"
    for d in "$sel" "$T/out/miles-$fusion"/reseed-0[1-4]; do
        seed=$(sed -n 's/^ *"train_seed": *\([0-9]*\).*/\1/p' "$d/trial.json")
        seed=${seed:-0}
        off=$T/out/check/miles-off-$fusion/seed-$seed
        [ -f "$off/summary.json" ] || { fail "$fusion seed $seed: no off-run"; continue; }
        grep -q "^  mu: 1$" "$off/config.yaml" || fail "$off: trained without method.mu 1: $(grep mu: "$off/config.yaml")"
        [ "$(count_lowered "$off")" = 0 ] || fail "$off: MILES off lowered an LR"
        row=$(awk -F' [|] ' -v s="$seed" '$1 == "| " s' <<< "$rows")
        [ -n "$row" ] || { fail "$fusion: no row for seed $seed"; continue; }
        IFS='|' read -r _ r_seed r_run r_on r_off _ _ _ _ r_low _ <<< "$row"
        on=$(metric "$d" test_metric_fused) offv=$(metric "$off" test_metric_fused) low=$(count_lowered "$d")
        [ "$(echo $r_run)" = "$(basename "$d")" ] || fail "$fusion seed $seed: run '$r_run', expected $(basename "$d")"
        [ "$(echo $r_on)" = "$on" ] || fail "$fusion seed $seed: fused on '$r_on', summary.json has $on"
        [ "$(echo $r_off)" = "$offv" ] || fail "$fusion seed $seed: fused off '$r_off', the off-run has $offv"
        [ "$(echo $r_low)" = "$low" ] || fail "$fusion seed $seed: epochs lowered '$r_low', epochs.csv has $low"
        if [ "$low" = 0 ]; then
            [ "$on" = "$offv" ] || fail "$fusion seed $seed: MILES never acted, yet on $on != off $offv"
        else
            acted=$((acted + 1))
        fi
    done
done
[ "$acted" -gt 0 ] || fail "no seed of either fusion had MILES lower an LR: the lowered counts were not exercised"

# 4. a rerun trains nothing and rewrites the same table
cp "$T/miles-off.md" "$T/first.md"
offcheck > "$T/offcheck2.log" 2>&1 || fail "offcheck rerun: $(cat "$T/offcheck2.log")"
grep -q "^== check" "$T/offcheck2.log" && fail "the rerun trained again: $(grep '^== check' "$T/offcheck2.log")"
cmp -s "$T/first.md" "$T/miles-off.md" || fail "the rerun changed miles-off.md"

[ "$fails" = 0 ] || exit 1
echo "test_grid_offcheck: ok ($acted seeds acted)"
