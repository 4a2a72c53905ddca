#!/usr/bin/env bash
# Runs each fuzz target for MINUTES minutes (default 2) with cargo-fuzz on
# the stable toolchain (no sanitizer: `--sanitizer none` needs no nightly),
# growing the corpus in fuzz/corpus/TARGET; crashes land in
# fuzz/artifacts/TARGET. Prints the executions per target.
#
#   cargo install cargo-fuzz --locked   # once
#   fuzz/run.sh 5                       # 5 minutes per target
#   fuzz/run.sh 1 condition             # one target
set -euo pipefail
cd "$(dirname "$0")"
minutes="${1:-2}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(scenario condition partial observed)
fi
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
declare -A max_len=([scenario]=32768 [condition]=8192 [partial]=65536 [observed]=16384)
mkdir -p logs
cargo fuzz build --sanitizer none
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    echo "== $t: ${seconds}s"
    if ! cargo fuzz run --sanitizer none "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"logs/$t.log" 2>&1; then
        echo "$t: FAILED, see fuzz/logs/$t.log and fuzz/artifacts/$t/"
        status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^(==|SUMMARY|thread)" "logs/$t.log" | sed "s/^/  /" || true
done
exit $status
