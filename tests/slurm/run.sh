#!/usr/bin/env bash
# Brings up a single-node Slurm cluster on localhost, runs a sharded
# bilateral job through contrib/slurm/submit.sh (array + dependent merge),
# and checks that the merged outputs are byte-identical to a local run.
#
#   bash tests/slurm/run.sh [path/to/bilateral]
#
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge
# packages; skips with a printed reason (exit 0) when they are missing,
# and fails instead under CI=true.
# Everything it starts listens on localhost only and is stopped on exit.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$repo/target/debug/bilateral}

# Under CI (CI=true) nothing is skipped: a missing tool fails the run.
skip() {
    if [ "${CI:-}" = true ]; then
        echo "slurm test cannot run under CI=true: $*" >&2
        exit 1
    fi
    echo "slurm test skipped: $*"
    exit 0
}
for tool in slurmctld slurmd sbatch squeue munged; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ "$(id -u)" = 0 ] || skip "needs root to run slurmd"
[ -x "$bin" ] || skip "no bilateral binary at $bin (build it first)"
# Jobs run from another folder: the binary's path must not be relative.
bin=$(realpath "$bin")

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# munge: its own key and socket in the work folder.
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
    --seed-file="$work/munge/seed"
pids+=("$(cat "$work/munge/munged.pid")")

host=$(hostname -s)
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<EOF
ClusterName=bilateraltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerType=sched/backfill
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf

slurmctld -f "$SLURM_CONF" || skip "slurmctld did not start: $(tail -3 "$work/slurmctld.log" 2>/dev/null)"
sleep 1
pids+=("$(cat "$work/slurmctld.pid")")
slurmd -f "$SLURM_CONF" || skip "slurmd did not start: $(tail -3 "$work/slurmd.log" 2>/dev/null)"
sleep 1
pids+=("$(cat "$work/slurmd.pid")")

for _ in $(seq 1 30); do
    if sinfo -h -o %t 2>/dev/null | grep -q idle; then break; fi
    sleep 1
done
sinfo -h -o %t | grep -q idle || skip "the node did not come up: $(sinfo 2>&1 | tail -2)"

scenario=$repo/scenarios/us_mexico_2025-09.toml
shards=3
runs=300
cd "$work"
export BILATERAL=$bin
merge_job=$(SBATCH_ARGS="--output=$work/%x-%A_%a.out" bash "$repo/contrib/slurm/submit.sh" \
    "$shards" "$scenario" "$work/cluster" --runs "$runs")
echo "submitted: array of $shards shards, merge job $merge_job"

for _ in $(seq 1 180); do
    [ -z "$(squeue -h 2>/dev/null)" ] && break
    sleep 1
done
[ -z "$(squeue -h)" ] || { echo "FAIL: jobs still queued after 3 minutes"; squeue; exit 1; }

"$bin" run "$scenario" --runs "$runs" --out "$work/local" --quiet
status=0
for f in summary.csv timeseries.csv compare.csv decision.csv runs.csv; do
    if cmp -s "$work/local/$f" "$work/cluster/$f"; then
        echo "ok: $f from the cluster is byte-identical to the local run"
    else
        echo "FAIL: $f differs (or is missing) between the cluster and the local run"
        status=1
    fi
done
if [ "$status" != 0 ]; then
    tail -n 20 "$work"/*.out "$work/slurmctld.log" 2>/dev/null || true
fi
exit "$status"
