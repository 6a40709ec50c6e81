#!/usr/bin/env bash
# test_device_deps.sh SOURCE_DIR - tools/device-deps packs a relocatable set of miles' C
# libraries: written into a temporary folder and moved, every .pc file there is free of /usr
# paths (a libdir left as /usr/lib once made a GPU machine link its own libjpeg 8 beside our 6.2
# headers), pkg-config through the pack's env.sh resolves every module's -I and -L into the
# pack, each library those flags name is there under its soname with the closure ldd asks for,
# and a bad command line exits 2.
set -u
S=${1:?usage: test_device_deps.sh SOURCE_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$S/tools/device-deps" "$T/first" > "$T/out" 2>&1 || { cat "$T/out"; echo "FAIL: device-deps exited non-zero"; exit 1; }
mv "$T/first" "$T/pack" # relocatable: nothing may point back to where it was written
P=$T/pack
for pc in "$P"/usr/lib/*/pkgconfig/*.pc; do
    ! grep -n '/usr' "$pc" > /dev/null || fail "$(basename "$pc") names /usr: $(grep -n '/usr' "$pc" | head -n 2)"
done
(
    # shellcheck disable=SC1091
    . "$P/env.sh"
    for m in yaml-0.1 hdf5 jansson sndfile samplerate libjpeg; do
        flags=$(pkg-config --cflags --libs "$m") || { echo "FAIL: pkg-config $m"; continue; }
        for f in $flags; do
            case $f in
                -I* | -L*) d=$(cd "${f:2}" 2> /dev/null && pwd -P) || { echo "FAIL: $m: $f does not exist"; continue; }
                    case $d/ in "$(cd "$P" && pwd -P)"/*) ;; *) echo "FAIL: $m: $f leaves the pack ($d)" ;; esac ;;
            esac
        done
        for l in $(pkg-config --libs-only-l "$m"); do
            lib=""
            for d in $(pkg-config --libs-only-L "$m" | sed 's/-L//g') "$P"/usr/lib/*-linux-gnu; do
                [ -e "$d/lib${l#-l}.so" ] && { lib=$d/lib${l#-l}.so; break; }
            done
            [ -n "$lib" ] || { echo "FAIL: $m: lib${l#-l}.so not in the pack"; continue; }
            missing=$(ldd "$lib" | grep 'not found')
            [ -z "$missing" ] || echo "FAIL: $m: $(basename "$lib") misses $missing"
        done
    done
    # no FFmpeg in the pack: a build there is configured with MILES_WITH_FFMPEG=OFF
    ! pkg-config --exists libavformat 2> /dev/null || echo "FAIL: the pack's pkg-config finds libavformat"
) > "$T/checks" 2>&1
grep '^FAIL' "$T/checks" && fails=$((fails + $(grep -c '^FAIL' "$T/checks")))
"$S/tools/device-deps" > /dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "device-deps without DIR exited $rc, expected 2"
[ $fails = 0 ] || exit 1
echo "test_device_deps: ok ($(grep -o '[0-9]* files, [0-9.]*M' "$T/out"))"
