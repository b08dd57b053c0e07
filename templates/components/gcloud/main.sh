#!/bin/sh
# A pipeline step that calls gcloud: replace the `gcloud info` call with the work of your step
# (gcloud ai custom-jobs create ..., gcloud storage cp ..., bq query ...). Arguments are passed as a list.
set -eu

usage() {
  echo "usage: main.sh [--project ID] --message TEXT --result FILE" >&2
  exit 2
}

project=""
message=""
result=""
while [ $# -gt 0 ]; do
  case "$1" in
    --project) [ $# -ge 2 ] || usage; project="$2"; shift 2 ;;
    --message) [ $# -ge 2 ] || usage; message="$2"; shift 2 ;;
    --result) [ $# -ge 2 ] || usage; result="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$result" ] || usage

if ! command -v gcloud >/dev/null 2>&1; then
  echo "gcloud is not installed: run this step in its image (google/cloud-sdk:slim) or install the Google Cloud SDK." >&2
  exit 5
fi

# Only pass --project when one was given.
set -- '--format=value(config.account)'
[ -n "$project" ] && set -- "$@" --project "$project"
account="$(gcloud info "$@")"
out="$message (gcloud account: ${account:-none})"
echo "result=$out"

mkdir -p "$(dirname "$result")"
printf '%s' "$out" > "$result"
