#!/bin/sh
# A pipeline step: reads its inputs from the command line and writes each output value to the file it is given.
set -eu

usage() {
  echo "usage: main.sh --message TEXT --result FILE" >&2
  exit 2
}

message=""
result=""
while [ $# -gt 0 ]; do
  case "$1" in
    --message) [ $# -ge 2 ] || usage; message="$2"; shift 2 ;;
    --result) [ $# -ge 2 ] || usage; result="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$result" ] || usage

# The step's work goes here.
out="$message (processed by $(basename "$(pwd)"))"
echo "message=$message -> result=$out"

# KFP passes the output's file path; create its folder, then write the value (no trailing newline).
mkdir -p "$(dirname "$result")"
printf '%s' "$out" > "$result"
