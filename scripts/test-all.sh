#!/usr/bin/env bash
# The workspace's one test command (README "Testing"; `.ci/run` calls it).
#
# 1. Installs what the tests need when it is missing, saying what it installs:
#    redis-server, prometheus/promtool and prometheus-alertmanager/amtool (Debian packages),
#    moto's server with crc32c and awscrt (PyPI, in a virtualenv) as the AWS-API emulator,
#    s3s-fs 0.14.1 (crates.io) as a file-backed S3 server; and checks that `kubectl kustomize` works.
# 2. Runs fmt, clippy, the tests and the docs with warnings denied.
#
# Idempotent: a second run installs nothing. Tools land in $DEPLOYKIT_TOOLS (default
# ~/.cache/deploykit/tools); the cargo target directory defaults to ~/.cache/deploykit/target so
# that runs on one machine reuse it (set CARGO_TARGET_DIR to choose another).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cache="${XDG_CACHE_HOME:-$HOME/.cache}/deploykit"
tools="${DEPLOYKIT_TOOLS:-$cache/tools}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target}"
mkdir -p "$tools"

say() { printf '==> %s\n' "$*"; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Debian packages -------------------------------------------------------------------------
missing_debs=()
command -v redis-server >/dev/null 2>&1 || missing_debs+=(redis-server)
command -v prometheus >/dev/null 2>&1 || missing_debs+=(prometheus)
command -v promtool >/dev/null 2>&1 || { [[ " ${missing_debs[*]} " == *" prometheus "* ]] || missing_debs+=(prometheus); }
command -v amtool >/dev/null 2>&1 || missing_debs+=(prometheus-alertmanager)
if [ "${#missing_debs[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing_debs[*]}"
    sudo_if_needed apt-get update -qq
    # The packages' init scripts must not start system services (the tests start their own), so a
    # policy-rc.d that denies starts is in place during the install and removed after, if it was ours.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | sudo_if_needed tee /usr/sbin/policy-rc.d >/dev/null
        sudo_if_needed chmod +x /usr/sbin/policy-rc.d
        own_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing_debs[@]}"
    [ "$own_policy" -eq 0 ] || sudo_if_needed rm -f /usr/sbin/policy-rc.d
fi

# --- moto (AWS API emulator for S3 and ECS) --------------------------------------------------
venv="$tools/moto-venv"
if ! "$venv/bin/python" -c 'import moto.server, crc32c, awscrt' >/dev/null 2>&1; then
    say "installing moto[server], crc32c and awscrt (PyPI) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]' crc32c awscrt
fi
export PATH="$venv/bin:$PATH"

# --- s3s-fs (file-backed S3 server) ----------------------------------------------------------
# 0.14.1 is the newest release that builds with rustc 1.95 (0.17 needs 1.96).
if ! "$tools/bin/s3s-fs" --version 2>/dev/null | grep -q '0\.14\.1'; then
    say "installing s3s-fs 0.14.1 (crates.io) into $tools/bin"
    CARGO_TARGET_DIR="$cache/s3s-fs-build" cargo install --quiet --locked s3s-fs --version 0.14.1 \
        --features binary --root "$tools"
fi
export PATH="$tools/bin:$PATH"

# --- kubectl kustomize (reference for the kustomize build) ----------------------------------
if ! KUBECONFIG=/dev/null kubectl kustomize --help >/dev/null 2>&1; then
    echo "error: \`kubectl kustomize\` is not available; install kubectl (v1.32 or newer, kustomize v5.5) and put it on PATH" >&2
    exit 1
fi

say "tools: $(redis-server --version | cut -d' ' -f1-3), $(promtool --version 2>&1 | head -1), moto $("$venv/bin/python" -c 'import moto; print(moto.__version__)'), $(s3s-fs --version 2>&1 | head -1), kubectl $(kubectl version --client 2>/dev/null | head -1)"

# --- the checks --------------------------------------------------------------------------------
say "cargo fmt --all --check"
cargo fmt --all --check
say "cargo clippy --workspace --all-targets --all-features -- -D warnings"
cargo clippy --workspace --all-targets --all-features -- -D warnings
say "cargo test --workspace --all-features"
cargo test --workspace --all-features
say "cargo doc --workspace --no-deps --all-features (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features
say "all checks passed"
