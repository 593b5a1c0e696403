#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, to test profiles/slurm against a real scheduler.
#
#   sudo tests/cluster/slurm.sh up     # install (Debian/Ubuntu packages) and start; waits for an idle node
#   sudo tests/cluster/slurm.sh down   # stop exactly the daemons `up` started, remove the config it wrote
#
# `up` installs slurmctld, slurmd, slurm-client and munge with --no-install-recommends (skipped when
# present), writes /etc/slurm/slurm.conf for this machine (refusing to overwrite one it did not write),
# starts munged (unless one already runs), `slurmctld -c` and `slurmd -N localhost` as background
# daemons and records their pids in $STATE_DIR. Both commands are idempotent. No systemd needed.
# No accounting (no slurmdbd): `sacct` fails here, so Snakemake needs `--slurm-status-command squeue`.
# No cgroups (proctrack/linuxproc, task/none): memory and CPU requests are scheduled, not enforced.
set -euo pipefail

STATE_DIR=${DEEPRENORM_SLURM_STATE_DIR:-/run/deeprenorm-slurm}
TIMEOUT=${DEEPRENORM_SLURM_TIMEOUT:-60}
CONF=/etc/slurm/slurm.conf
MARKER="# Written by deeprenorm tests/cluster/slurm.sh"
LOG_DIR=/var/log/slurm
MUNGE_LOG=/var/log/munge/munged.log
DAEMONS=(slurmd slurmctld munged)                       # in stopping order
declare -A PID_FILE=([munged]=/run/munge/munged.pid [slurmctld]=/run/slurmctld.pid [slurmd]=/run/slurmd.pid)

log() { echo "slurm.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# A process counts as running when it exists and is not a zombie (PID 1 here may reap late).
running() {
    local pid=$1 state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# The pid recorded by `up` for a daemon, if that process still runs under that name (no pid reuse).
recorded_pid() {
    local name=$1 pid
    pid=$(cat "$STATE_DIR/$name.pid" 2>/dev/null) || return 1
    running "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] && echo "$pid"
}

# Pids of running (non-zombie) processes called exactly $1.
pids_named() {
    local comm pid
    for comm in /proc/[0-9]*/comm; do
        [[ $(cat "$comm" 2>/dev/null) == "$1" ]] || continue
        pid=${comm#/proc/}; pid=${pid%/comm}
        running "$pid" && echo "$pid"
    done
    return 0
}

wait_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while running "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# Remove a daemon's pid file unless the process it names still runs (a stale file in /run makes
# the package's prerm call scancel, and `apt-get remove slurmctld` fail).
remove_stale_pid_file() {
    local file=$1 pid
    [[ -e $file ]] || return 0
    pid=$(cat "$file" 2>/dev/null || true)
    if ! running "$pid"; then rm -f "$file"; fi
}

log_tails() {
    local file
    for file in "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log" "$MUNGE_LOG"; do
        [[ -r $file ]] || continue
        echo "----- last lines of $file -----" >&2
        tail -n 25 "$file" >&2
    done
    echo "----- sinfo -----" >&2
    sinfo -N -l 2>&1 | tail -n 5 >&2 || true
}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
        && command -v munged >/dev/null; then
        return 0
    fi
    command -v apt-get >/dev/null || die "slurm is not installed and apt-get is not available"
    log "installing slurmctld slurmd slurm-client munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
}

write_config() {
    if [[ -e $CONF ]] && ! grep -qF "$MARKER" "$CONF"; then
        die "$CONF exists and was not written by this script; move it away first (this is a test cluster)"
    fi
    local hardware cpus memory
    hardware=$(slurmd -C | head -n 1)
    cpus=$(sed -n 's/.*\bCPUs=\([0-9]\+\).*/\1/p' <<<"$hardware")
    memory=$(sed -n 's/.*\bRealMemory=\([0-9]\+\).*/\1/p' <<<"$hardware")
    [[ -n $cpus && -n $memory ]] || die "cannot read CPUs and RealMemory from 'slurmd -C': $hardware"
    install -d -m 755 /etc/slurm
    install -d -o slurm -g slurm -m 755 "$LOG_DIR" /var/lib/slurm /var/lib/slurm/slurmctld
    install -d -m 755 /var/lib/slurm/slurmd
    cat >"$CONF.tmp" <<EOF
$MARKER for $(hostname) ($cpus CPUs, $memory MB).
# A one-node test cluster: node "localhost" (slurmd -N localhost), partition "debug".
ClusterName=deeprenorm
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=${PID_FILE[slurmctld]}
SlurmdPidFile=${PID_FILE[slurmd]}
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
# Refuse at submission what no node can run (else: PENDING forever, and the workflow hangs).
EnforcePartLimits=ALL
MailProg=/bin/true
# No slurmdbd: sacct does not work, use squeue for job states (snakemake --slurm-status-command squeue).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Finished jobs stay visible to squeue this long; the plugin needs >= 3 x its initial status delay,
# and the cluster test reads every job of its run (about 10 minutes) from squeue afterwards.
MinJobAge=3600
ReturnToService=2
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$CONF.tmp" "$CONF"
}

start_munged() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        if recorded_pid munged >/dev/null; then return 0; fi
        log "munged is already running (not started by this script): using it"
        rm -f "$STATE_DIR/munged.pid"
        return 0
    fi
    if [[ ! -s /etc/munge/munge.key ]]; then
        log "creating /etc/munge/munge.key"
        install -d -o munge -g munge -m 700 /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    install -d -o munge -g munge -m 755 /run/munge
    remove_stale_pid_file "${PID_FILE[munged]}"
    runuser -u munge -- /usr/sbin/munged --force
    local pid deadline=$((SECONDS + 10))
    until pid=$(cat "${PID_FILE[munged]}" 2>/dev/null) && running "$pid" \
        && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { log_tails; die "munged did not start"; }
        sleep 0.2
    done
    echo "$pid" >"$STATE_DIR/munged.pid"
}

# start_daemon NAME COMMAND...: run a self-daemonizing daemon, record the pid from its pid file.
start_daemon() {
    local name=$1 pid deadline=$((SECONDS + 15))
    shift
    local others
    others=$(pids_named "$name" | tr '\n' ' ')
    [[ -z $others ]] || die "a $name not started by this script is running (pid $others); stop it first"
    remove_stale_pid_file "${PID_FILE[$name]}"
    "$@"
    until pid=$(cat "${PID_FILE[$name]}" 2>/dev/null) && running "$pid"; do
        if ((SECONDS >= deadline)); then
            log_tails
            stop_all
            die "$name did not start"
        fi
        sleep 0.2
    done
    echo "$pid" >"$STATE_DIR/$name.pid"
}

node_state() { sinfo -h -N -n localhost -o %T 2>/dev/null | head -n 1; }

wait_idle() {
    local state="" deadline=$((SECONDS + TIMEOUT))
    while ((SECONDS < deadline)); do
        state=$(node_state || true)
        [[ $state == idle ]] && return 0
        sleep 0.5
    done
    log "node 'localhost' is not idle after ${TIMEOUT} s (state: '${state:-unknown}')"
    log_tails
    stop_all
    exit 1
}

# Stop the daemons `up` recorded (slurmd, slurmctld, then munged if it was ours).
stop_all() {
    local name pid
    for name in "${DAEMONS[@]}"; do
        if pid=$(recorded_pid "$name"); then
            kill -TERM "$pid" 2>/dev/null || true
            if ! wait_gone "$pid" 15; then
                log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                wait_gone "$pid" 10 || log "warning: $name (pid $pid) is still running"
            fi
            log "stopped $name (pid $pid)"
        fi
        rm -f "$STATE_DIR/$name.pid"
        remove_stale_pid_file "${PID_FILE[$name]}"
    done
    rmdir "$STATE_DIR" 2>/dev/null || true
}

up() {
    if recorded_pid slurmctld >/dev/null && recorded_pid slurmd >/dev/null && [[ $(node_state || true) == idle ]]; then
        log "already up: $(sinfo -h -o '%P %a %T %D %N' | head -n 1)"
        return 0
    fi
    # Partly up (a daemon died) or never started: start from a clean slate.
    stop_all
    install_packages
    install -d -m 755 "$STATE_DIR"
    write_config
    start_munged
    start_daemon slurmctld slurmctld -c
    start_daemon slurmd slurmd -N localhost
    wait_idle
    log "up: $(sinfo -h -o '%P %a %T %D %N' | head -n 1) (daemon pids in $STATE_DIR)"
}

down() {
    stop_all
    # A config left behind makes every later `scontrol` (which Snakemake's SLURM plugin runs at
    # start-up) retry the stopped controller for 10 s; remove only the one `up` wrote.
    if [[ -f $CONF ]] && head -n 1 "$CONF" | grep -qF "$MARKER"; then
        rm -f "$CONF"
    fi
    local name left=""
    for name in slurmctld slurmd; do
        left+=$(pids_named "$name" | tr '\n' ' ')
    done
    [[ -z $left ]] || log "note: slurm daemons not started by this script are running (pids $left); left alone"
    log "down"
}

[[ $EUID -eq 0 ]] || die "must run as root (sudo $0 ${1:-up})"
case ${1:-} in
    up) up ;;
    down) down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
