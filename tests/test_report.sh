#!/usr/bin/env bash
# test_report.sh - `miles report` and `miles plot` on the hand-made results in tests/report/.
#
# usage: test_report.sh BUILD_DIR tables [--update]    the tables in md, tex and csv against
#                                                       tests/report/expected-*.{md,tex,csv}
#        test_report.sh BUILD_DIR plot                 Figures 1 and 2 (exits 77, skipped, when
#                                                       gnuplot is missing)
# tests/report/results/ is written by tests/report/make-fixtures.py (see there). --update
# rewrites the expected files from the current output (check the diff by hand).
set -u
B=${1:?usage: test_report.sh BUILD_DIR tables|plot [--update]}
WHAT=${2:-tables}
UPDATE=${3:-}
MILES=$B/csrc/miles
HERE=$(cd "$(dirname "$0")/report" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
cd "$HERE" || exit 1

# expect_rc RC PATTERN CMD... : exit code RC and PATTERN on stderr
expect_rc() {
  local want=$1 pat=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  [ "$rc" = "$want" ] || fail "$* exited $rc, expected $want ($(head -c 300 "$T/err"))"
  grep -q -- "$pat" "$T/err" || fail "$*: stderr lacks '$pat': $(head -c 300 "$T/err")"
}

if [ "$WHAT" = tables ]; then
  # 1. every table, each format, against the expected output
  for fmt in md tex csv; do
    "$MILES" report results --format "$fmt" >"$T/all.$fmt" 2>"$T/err" || fail "report --format $fmt exited $?: $(cat "$T/err")"
    if [ "$UPDATE" = --update ]; then
      cp "$T/all.$fmt" "expected-all.$fmt"
    else
      diff -u "expected-all.$fmt" "$T/all.$fmt" || fail "report --format $fmt differs from expected-all.$fmt"
    fi
  done
  # 2. one table; several RESULTS arguments give the same cells as their parent
  "$MILES" report results --table IV >"$T/iv.md" || fail "report --table IV exited $?"
  if [ "$UPDATE" = --update ]; then cp "$T/iv.md" expected-IV.md; fi
  diff -u expected-IV.md "$T/iv.md" || fail "report --table IV differs from expected-IV.md"
  "$MILES" report results/u-train results/sum results/concat results/unimodal results/ablation results/ablation-sweep \
    >"$T/multi.md" 2>/dev/null || fail "report with six RESULTS exited $?"
  diff -q "$T/multi.md" expected-all.md >/dev/null || fail "report with six RESULTS differs from report results"
  # 3. selection rules, spelled out
  # (single seeds are marked †; the tie is flagged ‡ in n and listed; issue 14)
  grep -q '^| Vanilla | 98.4† | 98.5† | 53.9† | +44.6† | 1‡ | - | - | - |$' "$T/all.md" \
    || fail "Table II vanilla: expected trial-000 (tie on validation goes to the lowest trial, flagged)"
  grep -q 'concat/vanilla/trial-000` .*; tied on validation with trial 1)$' "$T/all.md" \
    || fail "Table II vanilla: the tied trial 1 is listed"
  grep -q '^| + MILES | .* | 1 | - | - | 2/3 |$' "$T/all.md" \
    || fail "Table II MILES: LR lowered in 2 of its 3 epochs (tau-0.2's epochs.csv)"
  grep -q 'S-MNIST, modality A: `results/unimodal/image/trial-001`' "$T/all.md" \
    || fail "Table I: expected the best completed trial (trial-002 diverged)"
  grep -q '\*\*+20.0†\*\*' "$T/all.md" || fail "Table II: expected the Delta closest to zero in bold"
  grep -q 'results/concat/miles' "$T/all.md" && grep -A12 'Table IV' "$T/all.md" | grep -q 'results/concat/miles' \
    && fail "Table IV: a sweep that searched tau is not an ablation unit"
  # a sweep's role is what its sweep.json declares (the keys its space searches), not its trials:
  # an ablation sweep (MILES, searching neither tau nor mu) is never a Table II/III cell, even
  # with the best validation metric, but is a row of Table IV ...
  sed -n '/^\*\*Table II\./,/^\*\*Table III\./p' "$T/all.md" | grep -q 'ablation-sweep' \
    && fail "Table II: the ablation sweep results/ablation-sweep/tau-0.1 took the MILES cell"
  grep -q '^- τ = 0.1, ⊕: `results/ablation-sweep/tau-0.1/trial-000`' "$T/iv.md" \
    || fail "Table IV: expected the ablation sweep's row tau = 0.1"
  # ... and a main sweep (it searches tau and mu) with a single completed trial is no ablation unit
  grep -q 'concat/miles-one' "$T/iv.md" \
    && fail "Table IV: results/concat/miles-one searches tau and mu, yet its one completed trial is a row"
  # u-train is a seed sweep (train.seed alone): both trials are seeds of the cell, mean ± sd by
  # hand: (99.8, 99.9), (95.6, 99.0), (73.6, 70.0), best epochs (3, 2)
  grep -q '^| ⊕ | Training | \*\*99.85 ± 0.07\*\* | \*\*97.30 ± 2.40\*\* | \*\*71.80 ± 2.55\*\* | 2.5 | 2 |$' "$T/all.md" \
    || fail "Table VI: training row (u-train, both seeds: trials 0 and 1)"
  # 4. errors
  expect_rc 2 "does-not-exist: no such directory" "$MILES" report does-not-exist
  expect_rc 2 "empty: holds no runs" "$MILES" report empty
  expect_rc 3 "corrupt/run/summary.json:5:10: '}' expected" "$MILES" report corrupt
  expect_rc 3 "corrupt/run/summary.json" "$MILES" report results corrupt
  # damage is named by file and key: a wrong type, a key a table needs missing
  mkdir -p "$T/typed/run" "$T/nodataset/run"
  sed 's/"best_epoch": 2/"best_epoch": "2"/' results/sum/miles/summary.json >"$T/typed/run/summary.json"
  grep -v '"dataset"' results/sum/miles/summary.json >"$T/nodataset/run/summary.json"
  expect_rc 3 "typed/run/summary.json: best_epoch: expected an integer" "$MILES" report "$T/typed"
  expect_rc 3 "nodataset/run/summary.json: dataset: expected a non-empty string" "$MILES" report "$T/nodataset"
  expect_rc 2 "expected I, II, III, IV, V or VI" "$MILES" report results --table VII
  expect_rc 2 "expected md, tex or csv" "$MILES" report results --format html
  expect_rc 2 "no runs for Table II" "$MILES" report results/unimodal --table II
  expect_rc 2 "expected at least one RESULTS" "$MILES" report
  expect_rc 2 "unknown option --tables" "$MILES" report results --tables II
  "$MILES" report --help >"$T/help" || fail "report --help exited $?"
  grep -q -- '--format FMT' "$T/help" || fail "report --help lacks the generated option list"
elif [ "$WHAT" = plot ]; then
  command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed (tools/setup installs gnuplot-nox)"; exit 77; }
  png_ok() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
  # Figure 2 of one run; its series titles in the SVG
  "$MILES" plot fig2 results/ablation/tau-0.2 --out "$T/f2/fig2" >"$T/out" 2>"$T/err" || fail "plot fig2 exited $?: $(cat "$T/err")"
  png_ok "$T/f2/fig2.png" || fail "fig2.png: missing, empty or not a PNG"
  for title in 'u_A (Image)' 'u_B (Audio)' 'delta = |u_A - u_B|' 'tau = 0.2' 'lr A (Image)' 'lr B (Audio)' \
               'lr fusion' 'fused (Image+Audio)' 'Image head' 'Audio head' 'Conditional utilization rates' \
               'Learning rates' 'Validation accuracy'; do
    grep -qF -- "$title" "$T/f2/fig2.svg" || fail "fig2.svg lacks '$title'"
  done
  ls "$T/f2" | grep -q tmp && fail "plot fig2 left temporary files: $(ls "$T/f2")"
  # Figure 1 from sweeps and results directories (their best runs of each kind)
  "$MILES" plot fig1 results/concat/vanilla results/unimodal/image results/unimodal --out "$T/fig1" >/dev/null 2>"$T/err" \
    || fail "plot fig1 exited $?: $(cat "$T/err")"
  png_ok "$T/fig1.png" || fail "fig1.png: missing, empty or not a PNG"
  for title in 'fused (Image+Audio)' 'Image head' 'Audio head' 'Image model' 'Audio model' 'training accuracy' \
               'validation accuracy' 'Multimodal vs unimodal learning on S-MNIST'; do
    grep -qF -- "$title" "$T/fig1.svg" || fail "fig1.svg lacks '$title'"
  done
  # one colour per modality in both figures: A (Image) blue, B (Audio) red, fused green, as
  # Figure 2's LR panel draws them (Figure 1 once drew A red, B green and fused blue)
  /usr/bin/python3 - "$T/f2/fig2.svg" "$T/fig1.svg" > "$T/colours" <<'PY' || fail "figure colours: $(cat "$T/colours")"
import re, sys
want = {"Image": "31,119,180", "Audio": "214,39,40", "fused": "44,160,44"}
bad = []
for path in sys.argv[1:]:
    svg = open(path).read()
    for m in re.finditer(r"<text>([^<]*)</text>", svg):
        title = m.group(1)
        key = next((k for k in want if title.startswith(k + " ") or title.startswith(k + " (") or
                    title.startswith("lr A (" + k) or title.startswith("lr B (" + k)), None)
        if key is None:
            continue
        stroke = re.search(r"stroke='rgb\(([^)]*)\)'", svg[m.end():])
        got = stroke.group(1).replace(" ", "") if stroke else "none"
        if got != want[key]:
            bad.append("%s: '%s' drawn in rgb(%s), expected rgb(%s)" % (path.split("/")[-1], title, got, want[key]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
  # errors: a missing directory, a directory without a run of the right kind
  expect_rc 2 "no-such-run: no such run directory" "$MILES" plot fig2 no-such-run --out "$T/x"
  expect_rc 2 "no completed unimodal run of modality b" "$MILES" plot fig1 results/concat results/unimodal/image results/unimodal/image --out "$T/x"
  expect_rc 2 "expected a multimodal run" "$MILES" plot fig1 results/unimodal/audio-lr3e-4 results/unimodal results/unimodal --out "$T/x"
  expect_rc 2 "expected fig1 or fig2" "$MILES" plot fig3 results
  expect_rc 2 "fig2 expects one RUN" "$MILES" plot fig2 results/sum/miles results/sum/vanilla
  expect_rc 2 "--split: applies to fig1 only" "$MILES" plot fig2 results/sum/miles --split val
  expect_rc 2 "--split: expected train or val, found 'x'" "$MILES" plot fig1 a b c --split x
  [ -e "$T/x.png" ] && fail "a failed plot wrote $T/x.png"
else
  echo "usage: test_report.sh BUILD_DIR tables|plot [--update]"
  exit 2
fi
[ "$fails" = 0 ] && echo "test_report $WHAT: all passed"
[ "$fails" = 0 ]
