# tools/grid-offcheck.sh - sourced by tools/cremad-grid and tools/mmimdb-grid: their
# `offcheck` step, MILES acting vs never acting at equal settings. The selected MILES trial of
# each fusion is trained again with method.mu = 1 (Algorithm 1 runs, its LR factor is 1) on each
# of its five training seeds (the trial's and its four reseeds'), into
# OUT/check/miles-off-FUSION/seed-S, and TABLES/miles-off.md compares the two seed by seed:
# whether a MILES lead is its actions or the configuration it drew.
#
# The sourcing script defines miles, out, grid, tables, jobs, prog, die and data, and may define
# offcheck_sets NAME (more --set options for sweep NAME's runs: another cache, say).

# The table of fusion $1: II (concat) or III (sum).
fusion_table() {
    case $1 in concat) echo II ;; sum) echo III ;; *) die "fusion: expected concat or sum, found '$1'" ;; esac
}

# The run directory of the MILES trial Table II (concat) or III (sum) selects.
best_trial() {
    local fusion=$1 table
    table=$(fusion_table "$fusion")
    [[ -d $out/miles-$fusion ]] || die "$out/miles-$fusion missing: run the main sweeps first ($prog run)"
    "$miles" report "$out/miles-$fusion" --table "$table" --format csv |
        awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /_run$/) c = i }
                 NR > 1 && $1 == "miles" && c && $c != "-" { print $c }'
}

# Epochs in which MILES had lowered an encoder's LR in run DIR: the L of the "L/E" that
# `miles report --table TABLE` prints for it, so the count has one definition (the tables').
lowered_epochs() {
    "$miles" report "$1" --table "$2" --format csv |
        awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /_miles_lr_lowered$/) c = i }
                 NR > 1 && $1 == "miles" && c { split($c, le, "/"); print le[1] }'
}

declare -F offcheck_sets > /dev/null || offcheck_sets() { :; }

# The off-runs, `jobs` at a time; then the comparison. Read-only on the sweeps.
offcheck() {
    data
    local fusion trial values d s p
    local -a todo=() pids=()
    for fusion in concat sum; do
        trial=$(best_trial "$fusion")
        [[ -n $trial && -f $trial/trial.json ]] || die "$out/miles-$fusion: no selected trial (run '$prog reseed' first)"
        # trial.json's "values" line: "key=value ..." (numbers only), read without a JSON tool
        values=$(sed -n 's/^ *"values": *"\([^"]*\)",\{0,1\}$/\1/p' "$trial/trial.json")
        for d in "$trial" "$out/miles-$fusion"/reseed-0[1-4]; do
            [[ -f $d/trial.json ]] || die "$d: expected a reseed of the selected trial (run '$prog reseed')"
            s=$(sed -n 's/^ *"train_seed": *\([0-9]*\).*/\1/p' "$d/trial.json")
            s=${s:-0} # the trial itself trains with the file's train.seed, 0
            [[ -f $out/check/miles-off-$fusion/seed-$s/summary.json ]] ||
                todo+=("$fusion $s $(tr ' ' '\n' <<< "$values" | sed 's/^/--set /' | tr '\n' ' ')")
        done
    done
    local i job
    for ((i = 0; i < ${#todo[@]}; i += jobs)); do
        pids=()
        for job in "${todo[@]:i:jobs}"; do
            read -r fusion s sets <<< "$job"
            echo "== check/miles-off-$fusion/seed-$s"
            rm -rf "$out/check/miles-off-$fusion/seed-$s"
            # shellcheck disable=SC2086 # the --set arguments are words without spaces
            "$miles" train "$grid/miles-$fusion.yaml" $sets --set method.mu=1 --set "train.seed=$s" \
                --set train.threads=1 $(offcheck_sets "miles-$fusion") \
                --out "$out/check/miles-off-$fusion/seed-$s" --quiet &
            pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || die "an offcheck run failed"; done
    done
    offcheck_table > "$tables/miles-off.md.tmp"
    mv "$tables/miles-off.md.tmp" "$tables/miles-off.md"
    cat "$tables/miles-off.md"
}

# miles-off.md: per fusion and seed, test accuracy (fused, A, B) of the selected MILES trial
# (acting) and of the same run with mu = 1 (off), their means, and how often MILES lowered an LR.
offcheck_table() {
    local fusion table d lowered=()
    local -A sel
    # each fusion's selected trial once (a `miles report` of its sweep), and each run's count
    for fusion in concat sum; do
        table=$(fusion_table "$fusion")
        sel[$fusion]=$(best_trial "$fusion")
        for d in "${sel[$fusion]}" "$out/miles-$fusion"/reseed-0[1-4]; do
            [[ -d $d ]] && lowered+=("$d=$(lowered_epochs "$d" "$table")")
        done
    done
    /usr/bin/python3 - "$out" "${sel[concat]}" "${sel[sum]}" "$prog" "${lowered[@]}" << 'PY'
import json, os, statistics as st, sys
out, selected = sys.argv[1], dict(zip(("concat", "sum"), sys.argv[2:4]))
lowered = dict(a.rsplit("=", 1) for a in sys.argv[5:])
def acc(d):
    s = json.load(open(os.path.join(d, "summary.json")))
    return [100 * s["test_metric_" + h] for h in ("fused", "a", "b")]
def ms(v):
    return "%.2f ± %.2f" % (st.mean(v), st.stdev(v) if len(v) > 1 else 0)
metric = json.load(open(os.path.join(selected["concat"], "summary.json")))["metric"]
what = {"accuracy": "Test accuracy"}.get(metric, "Test " + metric.replace("f1_", "") + "-F1")
print("# MILES acting vs never acting at the selected configuration (%s offcheck)\n" % sys.argv[4])
print("%s (%%) of the MILES trial each table selects, on its five training seeds (the" % what)
print("trial and its reseeds), and of the same configuration and seed with `method.mu: 1`")
print("(Algorithm 1 runs, its LR factor is 1: MILES off). Epochs lowered: epochs trained with an")
print("encoder LR below its starting value.\n")
for fusion, trial in selected.items():
    runs = [trial] + [os.path.join(out, "miles-" + fusion, "reseed-%02d" % k) for k in range(1, 5)]
    rows = []
    for d in runs:
        seed = json.load(open(os.path.join(d, "trial.json"))).get("train_seed", 0)
        off = os.path.join(out, "check", "miles-off-" + fusion, "seed-%d" % seed)
        if os.path.isfile(os.path.join(off, "summary.json")):
            rows.append((seed, os.path.basename(d), acc(d), acc(off), lowered[d]))
    print("## %s (selected: %s)\n" % (fusion, os.path.basename(trial)))
    print("| seed | run | fused on | fused off | A on | A off | B on | B off | epochs lowered |")
    print("|---|---|---|---|---|---|---|---|---|")
    for seed, name, a, o, low in rows:
        print("| %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |" % (seed, name, a[0], o[0], a[1], o[1], a[2], o[2], low))
    if rows:
        print("| mean | | %s | %s | %s | %s | %s | %s | |" % tuple(
            ms([r[k][h] for r in rows]) for h in range(3) for k in (2, 3)))
        print("\nFused on - off, seed by seed: %s points.\n" % ", ".join("%+.2f" % (r[2][0] - r[3][0]) for r in rows))
PY
}

