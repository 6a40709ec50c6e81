#!/usr/bin/env bash
# test_export.sh - `miles export` reads of the dataset cache only what the model's shapes need:
# the root attributes, the datasets' shapes and types and the train statistics, with the HDF5
# metadata's checksum verified, never the samples (data/dataset.h: dataset_load_shapes). A cache
# whose sample bytes are damaged exports the same file as the intact one (training on it is still
# refused), and one whose metadata is damaged is refused with exit 3.
#
# usage: test_export.sh BUILD_DIR
set -u
B=${1:?usage: test_export.sh BUILD_DIR}
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/lib.sh"

tiny_cache
tiny_exp 1 vanilla "$T/run" > "$T/exp.yaml"
"$MILES" train "$T/exp.yaml" --quiet > "$T/out" 2>&1 || fail "train: $(tail -3 "$T/out")"
"$MILES" export "$T/run" --out "$T/good.safetensors" > "$T/out" 2>&1 || fail "export: $(tail -3 "$T/out")"

# The checksum header (the cache's first 4096 bytes) says where each dataset's bytes lie.
range() { tr -d '\0' < "$T/d.h5" | head -c 4096 | awk -v n="$1" '$1 == "dataset" && $5 == n { print $2, $3 }'; }
flip() { # FILE OFFSET: one byte inverted
  /usr/bin/python3 -c 'import sys
p, o = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(o); b = f.read(1); f.seek(o); f.write(bytes([b[0] ^ 0xFF]))' "$1" "$2"
}
read -r off len <<< "$(range /test/x_a)"
[ -n "${len:-}" ] || fail "no /test/x_a line in the checksum header: $(head -c 4096 "$T/d.h5" | tr -d '\0')"
cp "$T/d.h5" "$T/d.orig"

# ---- damaged samples: not read, so the export is the same --------------------------------------
flip "$T/d.h5" $((off + len / 2))
"$MILES" export "$T/run" --out "$T/flipped.safetensors" > "$T/out" 2>&1
rc=$?
[ $rc = 0 ] || fail "export with a damaged sample byte (which it need not read): exit $rc, $(tail -2 "$T/out")"
cmp -s "$T/good.safetensors" "$T/flipped.safetensors" || fail "the two exports differ"
# training reads every sample, and still refuses the damage
"$MILES" train "$T/exp.yaml" --out "$T/run2" --quiet > "$T/out" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "/test/x_a: damaged" "$T/out" || fail "training on the damaged cache: exit $rc, $(tail -2 "$T/out")"

# ---- damaged metadata: refused, naming it, nothing written -------------------------------------
cp "$T/d.orig" "$T/d.h5"
flip "$T/d.h5" 4096 # the HDF5 superblock's signature
"$MILES" export "$T/run" --out "$T/meta.safetensors" > "$T/out" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "HDF5 metadata" "$T/out" || fail "export with damaged metadata: exit $rc, $(tail -2 "$T/out")"
[ ! -e "$T/meta.safetensors" ] && [ ! -e "$T/meta.safetensors.tmp" ] || fail "export with damaged metadata wrote a file"

[ $fails = 0 ] && echo "test_export: ok" || { echo "test_export: $fails failure(s)"; exit 1; }
