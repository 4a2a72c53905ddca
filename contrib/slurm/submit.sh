#!/usr/bin/env bash
# Submits a sharded bilateral run to Slurm: an array of N shards, then a
# merge job that starts when every shard has succeeded.
#
#   contrib/slurm/submit.sh N SCENARIO OUTDIR [bilateral run options...]
#   e.g. contrib/slurm/submit.sh 16 scenarios/us_mexico_2025-09.toml results/ --runs 1000000 --no-runs
#
# Prints the merge job's id. Extra sbatch options go in SBATCH_ARGS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=$1
scenario=$2
out=$3
shift 3
mkdir -p "$out/parts"
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_ARGS:-} --array="1-$n" --chdir="$PWD" \
    "$here/bilateral-array.sbatch" "$scenario" "$out" "$@")
# shellcheck disable=SC2086
sbatch --parsable ${SBATCH_ARGS:-} --dependency="afterok:${array%%;*}" --chdir="$PWD" \
    "$here/bilateral-merge.sbatch" "$out" "$n"
