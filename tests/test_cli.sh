#!/usr/bin/env bash
# test_cli.sh - every option every command documents is accepted, and `miles demo`'s argument
# handling; nothing trains.
#
# usage: test_cli.sh BUILD_DIR
# For every command `miles --help` lists, the options its `--help` documents in the generated
# format (cli/opts.c: lines "  --name METAVAR   help", under "options:") are each run with a
# value fit for their METAVAR:
#   1. all of them at once as `--opt=VALUE`, then `--help`: exit 0 with the usage on stdout and
#      nothing on stderr (the parser reads options left to right, so an unknown option or a
#      rejected value fails before --help); `CMD --no-such-option --help` exits 2 with "unknown
#      option" (so the check can fail);
#   2. each alone as `--opt VALUE`: for a command that needs a positional argument, exit 2 with
#      the same message as `CMD` alone (the option was taken and the positional is what is
#      missing); for one that would run without, followed by --help, exit 0.
# (Flags given a value and options missing theirs are test_opts's.) About 50 runs of miles.
# A command whose --help documents no option at all fails the test.
# Then `miles demo`: a 61st --set reaches the configuration, --quiet is an option, an unknown
# option is called unknown (each failed before the fix); the demo is named by its one optional
# argument (luma by default, smnist), anything else is refused before data or training.
set -u
B=${1:?usage: test_cli.sh BUILD_DIR}
B=$(cd "$B" && pwd) || exit 1
MILES=$B/csrc/miles
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"

# A value each METAVAR accepts: choices (a|b) give their first; others are tried in turn.
sample() {
  case $1 in
    *'|'*) echo "${1%%|*}" ;;
    N | K | C | I) echo 1 ;;
    G | S) echo 0 ;;
    T) echo 10 ;;
    P) echo debug ;;
    M) echo 4G ;;
    R) echo 0.5 ;;
    DIR | PREFIX | FILE | FILE.h5) echo "$T/x" ;;
    k=v) echo train.epochs=2 ;;
    FORMAT) echo safetensors ;;
    *) return 1 ;;
  esac
}
CANDIDATES=(1 0 x md I train "$T/x")

# Runs miles with the arguments: $rc, $out (stdout), $err (stderr).
run() {
  "$MILES" "$@" > "$T/out" 2> "$T/err"
  rc=$?
  out=$(cat "$T/out")
  err=$(cat "$T/err")
}

# "--name METAVAR" or "--name" per documented option (the help line's name and metavar).
options_of() {
  sed -n '/^options:$/,/^$/p' <<< "$1" |
    sed -nE 's/^  (-h, )?(--[a-z0-9][a-z0-9-]*)( ([^ ]+))?  .*/\2 \4/p'
}

# The value to give option $1 of METAVAR $2 (for a METAVAR sample() does not know, the first of
# CANDIDATES that `CMD OPT VALUE --help` accepts).
value_for() { # CMD OPT METAVAR HELP
  sample "$3" && return
  local v
  for v in "${CANDIDATES[@]}"; do
    run "$1" "$2" "$v" --help
    [ $rc = 0 ] && [ "$out" = "$4" ] && { echo "$v"; return; }
  done
  echo "${CANDIDATES[0]}"
}

# 1 when the usage line names a positional argument before any option.
needs_positional() { # CMD HELP
  local first
  first=$(head -1 <<< "$2" | sed -nE "s/^usage: miles $1 ([^ ]+).*/\\1/p")
  [ -n "$first" ] && [ "${first:0:1}" != "[" ] && [ "${first:0:1}" != "-" ]
}

# Each option alone: with the positional missing, exit 2 with the same message as the command
# alone (the option was taken); else (the command would run) followed by --help, exit 0.
check_each() { # CMD HELP BARE NAMES... (as NAME=VALUE or NAME)
  local cmd=$1 help=$2 bare=$3 o
  shift 3
  for o in "$@"; do
    local args=("${o%%=*}")
    [[ $o == *=* ]] && args+=("${o#*=}")
    if [ -n "$bare" ]; then
      run "$cmd" "${args[@]}"
      [ $rc = 2 ] && [ "$(head -1 <<< "$err")" = "$bare" ] ||
        fail "$cmd ${args[*]}: exit $rc, '$(head -1 <<< "$err")', expected 2 and '$bare'"
    else
      run "$cmd" "${args[@]}" --help
      [ $rc = 0 ] && [ "$out" = "$help" ] && [ -z "$err" ] || fail "$cmd ${args[*]} --help: exit $rc: ${err:0:300}"
    fi
  done
}

check_command() { # CMD
  local cmd=$1 help opts name mv bare= v
  run "$cmd" --help
  help=$out
  [ $rc = 0 ] && [ -z "$err" ] && [ "$(head -1 <<< "$help" | cut -d' ' -f1-3)" = "usage: miles $cmd" ] ||
    { fail "$cmd --help: exit $rc, $(head -1 <<< "$help") ${err:0:200}"; return; }
  opts=$(options_of "$help")
  [ -n "$opts" ] || { fail "$cmd: --help documents no options (expected lines '  --name METAVAR   help' under options:)"; return; }
  run "$cmd" --no-such-option --help
  [ $rc = 2 ] && grep -qxF 'miles: unknown option --no-such-option' <<< "$err" || fail "$cmd --no-such-option: exit $rc: ${err:0:200}"
  local each=() eq=()
  while read -r name mv; do
    [ "$name" = --help ] && continue
    if [ -n "$mv" ]; then
      v=$(value_for "$cmd" "$name" "$mv" "$help")
      each+=("$name=$v")
      eq+=("$name=$v")
    else
      each+=("$name")
      eq+=("$name")
    fi
  done <<< "$opts"
  # all of them at once in the --name=VALUE form
  run "$cmd" "${eq[@]}" --help
  [ $rc = 0 ] && [ "$out" = "$help" ] && [ -z "$err" ] || fail "$cmd ${eq[*]} --help: exit $rc: ${err:0:300}"
  if needs_positional "$cmd" "$help"; then
    run "$cmd"
    bare=$(head -1 <<< "$err")
    [ $rc = 2 ] && [ -n "$bare" ] || fail "$cmd alone: exit $rc, expected 2"
  fi
  check_each "$cmd" "$help" "$bare" "${each[@]}"
  covered+=("$cmd(${#each[@]})")
}

# ---- every command ------------------------------------------------------------------------------
run --help
commands=$(sed -n '/^commands:$/,/^$/p' <<< "$out" | awk 'NF && $1 != "commands:" {print $1}')
[ -n "$commands" ] || fail "miles --help lists no commands"
covered=()
for c in $commands; do check_command "$c"; done
echo "covered (options each): ${covered[*]}"

# ---- miles demo: argument handling; every case fails in validation, before data or training ---
mkdir -p "$T/nodata"
sets=()
for _ in $(seq 1 60); do sets+=(--set train.epochs=2); done
run demo --data "$T/nodata" --out "$T/demo" "${sets[@]}" --set train.epochs=0
[ $rc = 2 ] && grep -q 'train.epochs=0' <<< "$err" && ! grep -q 'unknown option' <<< "$err" ||
  fail "demo with 61 --set (the last invalid): exit $rc, expected 2 naming train.epochs=0: ${err:0:200}"
run demo --set train.epochs=0 --data "$T/nodata" --out "$T/demo" --quiet
[ $rc = 2 ] && grep -q 'train.epochs=0' <<< "$err" ||
  fail "demo --quiet: exit $rc, expected --quiet taken and the invalid --set named: ${err:0:200}"
run demo --bogus
[ $rc = 2 ] && grep -qxF 'miles: unknown option --bogus' <<< "$err" || fail "demo --bogus: exit $rc: ${err:0:200}"
run demo stray
[ $rc = 2 ] && grep -qxF 'miles: unknown demo stray: expected luma|smnist' <<< "$err" || fail "demo stray: exit $rc: ${err:0:200}"
run demo luma stray
[ $rc = 2 ] && grep -qxF 'miles: expected one demo (luma or smnist), found a second: stray' <<< "$err" ||
  fail "demo luma stray: exit $rc: ${err:0:200}"
run demo smnist --set train.epochs=0 --data "$T/nodata" --out "$T/demo"
[ $rc = 2 ] && grep -q 'train.epochs=0' <<< "$err" && ! grep -q 'unknown demo' <<< "$err" ||
  fail "demo smnist: exit $rc, expected smnist taken and the invalid --set named: ${err:0:200}"
[ ! -e "$T/demo" ] && [ -z "$(ls -A "$T/nodata")" ] || fail "a demo refused on its arguments wrote files"

if [ $fails -gt 0 ]; then echo "test_cli: $fails check(s) failed"; exit 1; fi
echo "test_cli: all checks passed"
