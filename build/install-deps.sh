#!/usr/bin/env bash
# Installs what the test suite needs, idempotently: Debian/Ubuntu packages (only the missing ones, with one
# apt-get update only when something is missing) and the repo's local dotnet tools (cake.tool).
# Runs as root, or through passwordless sudo; otherwise fails with a clear message if anything is missing.
set -euo pipefail

PACKAGES=(openssh-server openssh-client rsync python3 python3-mitogen ansible-core debootstrap systemd-container iproute2 util-linux procps sudo
          zstd strace gpg pacman-package-manager makepkg libarchive-tools fakeroot)
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[install-deps] %s\n' "$*"; }

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    missing_tools=()
    for t in sshd ssh ssh-keygen rsync python3 ip unshare; do
        command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || missing_tools+=("$t")
    done
    if [ ${#missing_tools[@]} -gt 0 ]; then
        log "ERROR: not a Debian/Ubuntu system (no dpkg/apt-get) and these tools are missing: ${missing_tools[*]}" >&2
        log "Install the equivalents of: ${PACKAGES[*]}" >&2
        exit 1
    fi
    log "no apt-get; required tools present"
else
    missing=()
    for p in "${PACKAGES[@]}"; do is_installed "$p" || missing+=("$p"); done
    if [ ${#missing[@]} -eq 0 ]; then
        log "system packages present: ${PACKAGES[*]}"
    else
        log "missing packages: ${missing[*]}"
        if [ "$(id -u)" -eq 0 ]; then
            SUDO=()
        elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            SUDO=(sudo -n)
        else
            log "ERROR: packages missing (${missing[*]}) and not running as root (no passwordless sudo)." >&2
            log "Run as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
            exit 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        "${SUDO[@]}" apt-get update </dev/null
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
        for p in "${missing[@]}"; do
            is_installed "$p" || { log "ERROR: $p still not installed" >&2; exit 1; }
        done
        log "installed: ${missing[*]}"
    fi
fi

# sshd's privilege separation directory (normally created by systemd/tmpfiles; absent in containers).
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd && chmod 0755 /run/sshd
fi

# Debian's daemonless systemctl (package "systemctl"), unpacked beside the system rather than installed
# (it conflicts with systemd): the Service tool's unit tests drive a real unit through it.
dsr_root=/var/cache/rmote-test/systemctl-replacement
if [ "$(id -u)" -eq 0 ] && [ ! -x "$dsr_root/usr/bin/systemctl" ]; then
    tmp="$(mktemp -d)"
    if (cd "$tmp" && apt-get download systemctl </dev/null >/dev/null 2>&1 || { apt-get update </dev/null >/dev/null && apt-get download systemctl </dev/null >/dev/null; }); then
        mkdir -p "$dsr_root" && dpkg-deb -x "$tmp"/systemctl_*.deb "$dsr_root"
        log "unpacked the daemonless systemctl into $dsr_root"
    else
        log "ERROR: could not download Debian's 'systemctl' package (needed by the Service tool tests)" >&2
        exit 1
    fi
    rm -rf "$tmp"
fi

if command -v dotnet >/dev/null 2>&1; then
    if [ -f "$repo_root/.config/dotnet-tools.json" ]; then
        (cd "$repo_root" && dotnet tool restore </dev/null >/dev/null) || { log "ERROR: dotnet tool restore failed" >&2; exit 1; }
        log "dotnet local tools restored"
    fi
else
    log "ERROR: dotnet SDK not found on PATH (global.json pins SDK 10.0.x)" >&2
    exit 1
fi
