#!/usr/bin/env bash
# Build the container image with podman and smoke-test it: the image's own command must serve
# GET /readyz with HTTP 200 (and /healthz, the HEALTHCHECK's target). See docs/container.md.
#
#   scripts/build_image.sh                 # build localhost/xunqin-locator:dev and test it
#   IMAGE=xunqin-locator:1.2 scripts/build_image.sh
#
# Settings (environment):
#   IMAGE        tag to build                       (localhost/xunqin-locator:dev)
#   BASE_IMAGE   base for both stages               (docker.io/library/python:3.11-slim-bookworm)
#   LOCAL_BASE   base made here when BASE_IMAGE cannot be pulled (localhost/xunqin-base:bookworm):
#                a minimal Debian bookworm with python3, python3-venv and ca-certificates,
#                made with debootstrap (needs root and a Debian mirror: DEBIAN_MIRROR)
#   PIP_CA       CA bundle given to pip in the build (/etc/ssl/certs/ca-certificates.crt), for
#                networks that intercept TLS; the bundle is a build secret, not left in the image
#   TEST_PORT    loopback port for the smoke test   (18080)
#   SKIP_RUN=1   build only
#   FORCE_CHROOT=1  skip `podman run` and test through the chroot fallback
#   REMOVE_IMAGE=1  remove the built image after the test
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/xunqin-locator:dev}
BASE_IMAGE=${BASE_IMAGE:-docker.io/library/python:3.11-slim-bookworm}
LOCAL_BASE=${LOCAL_BASE:-localhost/xunqin-base:bookworm}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PIP_CA=${PIP_CA:-/etc/ssl/certs/ca-certificates.crt}
TEST_PORT=${TEST_PORT:-18080}
CONTAINER=xunqin-smoke-$$

log() { printf '[build_image] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v podman >/dev/null || die "podman not found (Debian: apt-get install podman)"

tmpdirs=()
container_started=0
cleanup() {
    if [[ $container_started == 1 ]]; then
        podman rm --force --time 10 "$CONTAINER" >/dev/null 2>&1 || true
    fi
    for dir in "${tmpdirs[@]}"; do rm -rf "$dir"; done
    if [[ ${REMOVE_IMAGE:-0} == 1 ]]; then podman rmi "$IMAGE" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# --- base image -------------------------------------------------------------------------------
make_local_base() {
    command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"
    [[ $(id -u) == 0 ]] || die "making the local base image needs root (debootstrap)"
    local root
    root=$(mktemp -d /var/tmp/xunqin-base.XXXXXX)
    tmpdirs+=("$root")
    log "debootstrap bookworm (minbase + python3, python3-venv, ca-certificates) into $root"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$root/rootfs" "$DEBIAN_MIRROR" >"$root/debootstrap.log" 2>&1 \
        || { tail -20 "$root/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$root"/rootfs/var/cache/apt/archives/*.deb "$root"/rootfs/var/lib/apt/lists/*
    log "importing it as $LOCAL_BASE"
    tar --numeric-owner -C "$root/rootfs" -c . | podman import \
        --change 'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV=LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        - "$LOCAL_BASE" >/dev/null
}

base=$BASE_IMAGE
if podman image exists "$BASE_IMAGE"; then
    log "base image $BASE_IMAGE is present"
elif timeout 120 podman pull --quiet "$BASE_IMAGE" >/dev/null 2>&1; then
    log "pulled base image $BASE_IMAGE"
else
    log "cannot pull $BASE_IMAGE; using the local base $LOCAL_BASE instead"
    base=$LOCAL_BASE
    podman image exists "$LOCAL_BASE" || make_local_base
fi

# --- build ------------------------------------------------------------------------------------
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
build_args=(--isolation=chroot --format docker --build-arg "BASE_IMAGE=$base" --tag "$IMAGE")
if [[ -s $PIP_CA ]]; then build_args+=(--secret "id=pip_ca,src=$PIP_CA"); fi
log "podman build ${build_args[*]} ."
podman build "${build_args[@]}" .
log "built $IMAGE: $(podman image inspect --format '{{.Size}}' "$IMAGE") bytes"

[[ ${SKIP_RUN:-0} == 1 ]] && exit 0

# --- smoke test -------------------------------------------------------------------------------
wait_ready() {  # wait_ready URL SECONDS: true once URL answers 200
    local url=$1 deadline=$((SECONDS + $2)) code
    while ((SECONDS < deadline)); do
        code=$(curl --silent --output /dev/null --max-time 2 --write-out '%{http_code}' "$url" \
            || true)
        [[ $code == 200 ]] && return 0
        sleep 0.5
    done
    log "no 200 from $url within $2 s (last status: ${code:-none})"
    return 1
}

check_endpoints() {
    local base_url=http://127.0.0.1:$TEST_PORT
    wait_ready "$base_url/readyz" 60 || return 1
    log "GET /readyz -> 200: $(curl --silent --max-time 5 "$base_url/readyz")"
    wait_ready "$base_url/healthz" 5 || return 1
    log "GET /healthz -> 200"
}

run_with_podman() {  # run_with_podman [OCI runtime]: a runtime (runc) also lowers rlimits
    local global=() opts=()
    if [[ $# -gt 0 ]]; then
        global=(--runtime "$1")
        opts=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
    fi
    podman rm --force "$CONTAINER" >/dev/null 2>&1 || true
    container_started=1
    # Healthcheck timers need systemd; without it podman logs an error and runs on.
    podman "${global[@]}" run --detach --name "$CONTAINER" "${opts[@]}" \
        --publish "127.0.0.1:$TEST_PORT:8000" "$IMAGE" >/dev/null 2>"/tmp/$CONTAINER.err" || {
        grep -v 'systemd' "/tmp/$CONTAINER.err" >&2 || true
        rm -f "/tmp/$CONTAINER.err"
        return 1
    }
    rm -f "/tmp/$CONTAINER.err"
    if ! check_endpoints; then
        podman logs "$CONTAINER" >&2 || true
        return 1
    fi
    if podman healthcheck run "$CONTAINER" >/dev/null 2>&1; then
        log "HEALTHCHECK command passes (podman healthcheck run)"
    else
        log "HEALTHCHECK command failed"
        return 1
    fi
    log "stopping with SIGTERM"
    podman stop --time 15 "$CONTAINER" >/dev/null 2>&1
    local status
    status=$(podman inspect --format '{{.State.ExitCode}}' "$CONTAINER")
    podman logs "$CONTAINER" 2>&1 | tail -n 3 | sed 's/^/    /' >&2
    [[ $status == 0 ]] || { log "container exited with $status after SIGTERM"; return 1; }
    log "graceful shutdown: exit status 0"
}

# Runs the image's own Cmd, Env, WorkingDir and User in its root filesystem with chroot (in
# private mount and PID namespaces), port changed to TEST_PORT: for hosts where no OCI runtime
# can start a container.
run_with_chroot() {
    local mnt cmd=() envs=() workdir user pid child status=0
    mnt=$(podman image mount "$IMAGE")
    mapfile -t cmd < <(podman image inspect --format '{{range .Config.Cmd}}{{println .}}{{end}}' "$IMAGE")
    mapfile -t envs < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE")
    workdir=$(podman image inspect --format '{{.Config.WorkingDir}}' "$IMAGE")
    user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
    # println leaves one empty line at the end of each list.
    [[ -z ${cmd[-1]} ]] && unset 'cmd[-1]'
    [[ -z ${envs[-1]} ]] && unset 'envs[-1]'
    # Only the last argument (sh -c's script) carries the port.
    cmd[${#cmd[@]}-1]=${cmd[${#cmd[@]}-1]//--port 8000/--port $TEST_PORT}
    log "chroot $mnt as $user in $workdir: ${cmd[*]}"
    # shellcheck disable=SC2016  # expanded by the inner shells
    unshare --mount --pid --fork --kill-child sh -c '
        mnt=$1; shift
        mount -t proc proc "$mnt/proc" && mount --rbind /dev "$mnt/dev" || exit 1
        exec "$@"' sh "$mnt" \
        chroot --userspec="$user" "$mnt" env -i "${envs[@]}" \
        sh -c 'cd "$1" && shift && exec "$@"' sh "$workdir" "${cmd[@]}" &
    pid=$!
    check_endpoints || status=1
    # unshare --fork ignores SIGTERM itself: stop its child, the service (PID 1 inside).
    child=$(ps -o pid= --ppid "$pid" | tr -d ' ' || true)
    if [[ -n $child ]]; then kill -TERM "$child" 2>/dev/null || true; fi
    wait "$pid" || status=1
    podman image unmount "$IMAGE" >/dev/null || true
    return "$status"
}

if [[ ${FORCE_CHROOT:-0} != 1 ]]; then
    log "smoke test with podman run"
    if run_with_podman; then exit 0; fi
    # Sandboxes without CAP_SYS_RESOURCE and with hybrid cgroups: crun cannot set the default
    # rlimits nor use the cgroups, runc with lowered rlimits can.
    if command -v runc >/dev/null; then
        log "retrying with --runtime runc and lowered rlimits"
        if run_with_podman runc; then exit 0; fi
    fi
    log "podman run did not work here; falling back to chroot"
fi
run_with_chroot || die "smoke test failed"
log "smoke test passed (chroot)"
