#!/usr/bin/env bash
# test_trials_table.sh - `miles report --trials` (every trial as CSV) and `--spread` (the spread
# per sweep) on a hand-made results directory.
#
# usage: test_trials_table.sh BUILD_DIR
#
# Sweep "m" (MILES, concat): trial 0 trained epochs 2 and 3 with a lowered LR (lr_a or lr_b below
# lr_fusion), trial 1 never did and ties trial 0 on validation (the lower trial number is the
# one selected), trial 2 is unfinished (no summary.json, no trial.json). Sweep "u" (unimodal,
# modality b): the untrained fused and image heads must be left blank. A file "x" and a
# directory without sweep.json are not sweeps. Expected rows and the summary are written out by
# hand below; the medians: m over (98.10, 98.30) = 98.20, u over (88.00, 86.00, 87.00) = 87.00.
set -euo pipefail
miles=${1:?usage: test_trials_table.sh BUILD_DIR}/csrc/miles
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

summary() { # dir method fusion head val test_fused test_a test_b
    cat > "$1/summary.json" <<EOF
{
  "status": "completed",
  "dataset": "smnist",
  "method": "$2",
  "fusion": "$3",
  "best_epoch": 3,
  "selection_head": "$4",
  "val_metric_selected": $5,
  "test_metric_fused": $6,
  "test_metric_a": $7,
  "test_metric_b": $8
}
EOF
}
trial_json() { printf '{\n  "trial": 0,\n  "values": "%s"\n}\n' "$2" > "$1/trial.json"; }
header=epoch,val_metric_fused,lr_a,lr_b,lr_fusion

r="$tmp/results"
mkdir -p "$r/m/trial-000" "$r/m/trial-001" "$r/m/trial-002" "$r/u/trial-000" "$r/u/trial-001" \
    "$r/u/trial-002" "$r/notasweep/trial-000"
echo '{}' > "$r/m/sweep.json"
echo '{}' > "$r/u/sweep.json"
touch "$r/x"

summary "$r/m/trial-000" miles concat fused 0.995 0.981 0.95 0.88
trial_json "$r/m/trial-000" "train.lr=0.001 method.tau=0.1"
printf '%s\n1,0.9,0.001,0.001,0.001\n2,0.95,0.0005,0.001,0.001\n3,0.99,0.001,0.0002,0.001\n4,0.995,0.001,0.001,0.001\n' \
    "$header" > "$r/m/trial-000/epochs.csv"
summary "$r/m/trial-001" miles concat fused 0.995 0.983 0.96 0.87
trial_json "$r/m/trial-001" "train.lr=0.002 method.tau=0.4"
printf '%s\n1,0.9,0.002,0.002,0.002\n2,0.995,0.002,0.002,0.002\n' "$header" > "$r/m/trial-001/epochs.csv"

summary "$r/u/trial-000" unimodal concat b 0.97 0.1 0.07 0.88
trial_json "$r/u/trial-000" "train.lr=0.001"
summary "$r/u/trial-001" unimodal concat b 0.98 0.1 0.07 0.86
trial_json "$r/u/trial-001" "train.lr=0.003"
summary "$r/u/trial-002" unimodal concat b 0.96 0.1 0.07 0.87
trial_json "$r/u/trial-002" "train.lr=0.01"

cat > "$tmp/want.csv" <<'EOF'
sweep,trial,method,fusion,selection_head,values,status,best_epoch,val_selected,test_fused,test_a,test_b,miles_lowered_epochs
m,000,miles,concat,fused,train.lr=0.001 method.tau=0.1,completed,3,99.50,98.10,95.00,88.00,2
m,001,miles,concat,fused,train.lr=0.002 method.tau=0.4,completed,3,99.50,98.30,96.00,87.00,0
m,002,,,,,unfinished,,,,,,
u,000,unimodal,concat,b,train.lr=0.001,completed,3,97.00,,,88.00,
u,001,unimodal,concat,b,train.lr=0.003,completed,3,98.00,,,86.00,
u,002,unimodal,concat,b,train.lr=0.01,completed,3,96.00,,,87.00,
EOF
cat > "$tmp/want.md" <<'EOF'
| sweep | completed | selected by val: test | median test | highest test | MILES: trials that lowered an LR |
|---|---|---|---|---|---|
| m | 2 of 3 | 98.10 | 98.20 | 98.30 | 1 of 2 |
| u | 3 of 3 | 86.00 | 87.00 | 88.00 | - |
EOF

"$miles" report "$r" --trials > "$tmp/got.csv"
"$miles" report "$r" --spread > "$tmp/got.md"
diff -u "$tmp/want.csv" "$tmp/got.csv" || { echo "FAIL: trials.csv differs" >&2; fail=1; }
diff -u "$tmp/want.md" "$tmp/got.md" || { echo "FAIL: the summary differs" >&2; fail=1; }

# errors: exit code 2 and the reason
expect_usage() { # pattern args...
    local pat=$1 rc=0
    shift
    "$miles" report "$@" > /dev/null 2> "$tmp/err" || rc=$?
    if [[ $rc != 2 ]] || ! grep -q -- "$pat" "$tmp/err"; then
        echo "FAIL: report $*: expected exit 2 and '$pat', found $rc: $(head -c 300 "$tmp/err")" >&2
        fail=1
    fi
}
expect_usage "missing: no such directory" "$tmp/missing" --trials
expect_usage "--trials and --spread exclude each other" "$r" --trials --spread
expect_usage "--table: not with --trials" "$r" --trials --table II
expect_usage "--format: --trials writes csv, found 'md'" "$r" --trials --format md
expect_usage "--format: --spread writes md, found 'csv'" "$r" --spread --format csv
"$miles" report "$r" --trials --format csv | cmp -s - "$tmp/want.csv" || { echo "FAIL: --trials --format csv" >&2; fail=1; }

[[ $fail == 0 ]] && echo "test_trials_table: all checks passed"
exit $fail
