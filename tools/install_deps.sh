#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages nmt.c needs to build (`make deps`).
# Idempotent: prints nothing and exits 0 when everything is already installed.
# Otherwise runs `apt-get update` once and `apt-get install -y
# --no-install-recommends` for the missing packages, as root or through sudo.
set -euo pipefail

PACKAGES=(
    build-essential
    pkg-config
    libopenblas-dev
    libdnnl-dev
    libcurl4-openssl-dev
    libzip-dev
    libjansson-dev
    ca-certificates
    # for the tests only: tests/cli/plot.sh renders nmt's SVG pictures and reads the PNG
    librsvg2-bin
    python3
)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "install_deps: this script needs a Debian-based system (dpkg-query, apt-get)." >&2
    echo "install_deps: install by hand: a C11 compiler, make, pkg-config, OpenBLAS, oneDNN 2.x, libcurl, libzip, jansson, CA certificates; for the tests rsvg-convert (librsvg) and python3." >&2
    exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install_deps: missing packages: ${missing[*]}" >&2
    echo "install_deps: not running as root and sudo is not available; as root, run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "install_deps: installing ${missing[*]}" >&2
${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -q
${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
