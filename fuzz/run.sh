#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: `bash fuzz/run.sh [seconds per target]` (default 30).
# Seeds come from fuzz/corpus/<target>.tar.gz (a minimised corpus); what the fuzzer finds goes to
# a scratch folder, so the committed corpus changes only when merged on purpose (see
# docs/reliability.md). A crash fails the script and leaves its input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
# Without a sanitizer the targets build on a stable toolchain.
cargo fuzz build -s none -O
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in otobo_reply soap_tree rt_reply config template; do
  echo "== fuzz $target (${seconds}s)"
  mkdir -p "$scratch/$target" "$scratch/seed-$target"
  tar -xzf "corpus/$target.tar.gz" -C "$scratch/seed-$target"
  if ! cargo fuzz run -s none -O "$target" "$scratch/$target" "$scratch/seed-$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 >"$scratch/$target.log" 2>&1; then
    tail -n 60 "$scratch/$target.log"
    exit 1
  fi
  grep -E "^Done" "$scratch/$target.log" || true
done
