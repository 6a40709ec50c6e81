# tests/lib.sh - what the shell tests share; sourced after they set B (the build directory),
# MILES and T.
#   fail MSG      counts a failed check and prints it (the test exits 1 at its end if fails > 0)
#   tiny_cache    $T/d.h5: 300 fake S-MNIST train rows and 100 test rows (tests/fake-smnist,
#                 seed 7) prepared as 200/100/100; on failure prints the tool's output and exits 1
#   tiny_exp EPOCHS METHOD OUTPUT_DIR [TRAIN_EXTRA]
#                 prints an experiment on that cache: the model the tests train, a resnet6 at
#                 width 4 with the small stem in both slots (seconds an epoch), batches of 25
#                 (eval 50), lr 0.01 on the CPU (or on $MILES_TEST_DEVICE); TRAIN_EXTRA (default ", threads: 1") ends the
#                 train: line. A sweep test appends its `search:` section to it.
#   csv_awk [-v var=value]... PROGRAM FILE
#                 awk over FILE's rows after the header, where $col("u_a") is the field named
#                 u_a: epochs.csv is read by column name, never by position. A name the header
#                 lacks makes awk exit 2.

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

tiny_cache() {
  local out
  mkdir -p "$T/src"
  out=$("$B/tests/fake-smnist" "$T/src" 300 100 7 2>&1) ||
    { echo "FAIL: fake-smnist: $out"; exit 1; }
  out=$("$MILES" prepare smnist --from "$T/src" --out "$T/d.h5" --train 200 --val 100 --test 100 2>&1) ||
    { echo "FAIL: prepare: $out"; exit 1; }
}

# tiny_search: a search: block of 2 trials over train.lr, to append to a tiny_exp
tiny_search() {
  cat <<YAML
search:
  trials: 2
  seed: 1
  params:
    train.lr: {loguniform: [1e-3, 1e-2]}
YAML
}

tiny_exp() {
  cat <<YAML
dataset: {name: smnist, cache: $T/d.h5}
model:
  a: {preset: resnet6, base_width: 4, stem: small}
  b: {preset: resnet6, base_width: 4, stem: small}
train: {epochs: $1, batch_size: 25, eval_batch_size: 50, device: ${MILES_TEST_DEVICE:-cpu}, lr: 0.01${4-, threads: 1}}
method: {name: $2}
output: {dir: $3}
YAML
}

csv_awk() {
  local vars=()
  while [ "$1" = -v ]; do vars+=(-v "$2"); shift 2; done
  local prog=$1; shift
  awk -F, "${vars[@]}" '
    function col(n) { if (!(n in c_)) { nocol_ = n; exit 2 } return c_[n] }
    NR == 1 { for (i_ = 1; i_ <= NF; i_++) c_[$i_] = i_; next }
    END { if (nocol_ != "") { print "epochs.csv: no column " nocol_ > "/dev/stderr"; exit 2 } }
    '"$prog" "$@"
}
