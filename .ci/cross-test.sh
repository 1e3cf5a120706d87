#!/usr/bin/env bash
# Cross tests of framecast-color's SIMD kernels on targets this machine cannot run natively:
#
#   aarch64-unknown-linux-gnu  NEON, linked with the Debian cross gcc, run under qemu-user
#   wasm32-wasip1              simd128 (compiled in by .cargo/config.toml), run under Node's WASI
#
# Installs what is missing (idempotent; Debian 12, root or sudo), then runs the crate's tests
# for both targets with CI=1, so a backend that is not compiled in or cannot run fails instead
# of being skipped. The runners and linker are configured in .cargo/config.toml.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

targets=(aarch64-unknown-linux-gnu wasm32-wasip1)

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi

# --- tools -------------------------------------------------------------------------------------
missing=()
for pkg in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
command -v node >/dev/null || missing+=(nodejs)
if ((${#missing[@]})); then
    echo "cross-test: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

rustup target add "${targets[@]}"

# Node >= 20 runs WASI without a flag; Debian 12's own nodejs (18) needs it.
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
    echo "cross-test: Node $(node --version) is too old for WASI preview1 (need >= 18)" >&2
    exit 1
elif ((node_major < 20)); then
    export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-wasi-unstable-preview1"
fi

# --- tests -------------------------------------------------------------------------------------
# RUSTFLAGS, when set, replaces the per-target rustflags of .cargo/config.toml: keep simd128.
wasm_rustflags=()
if [[ -n ${RUSTFLAGS:-} ]]; then
    wasm_rustflags=(RUSTFLAGS="$RUSTFLAGS -C target-feature=+simd128")
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

status=0
for target in "${targets[@]}"; do
    echo "=== framecast-color on $target ==="
    extra=()
    [[ $target == wasm32-wasip1 ]] && extra=("${wasm_rustflags[@]}")
    start=$SECONDS
    if env "${extra[@]}" CI=1 cargo test -p framecast-color --release --target "$target" \
        2>&1 | tee "$logs/$target.log"; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    echo "$target: $result in $((SECONDS - start))s" >"$logs/$target.summary"
done

echo
echo "=== cross-test summary ==="
for target in "${targets[@]}"; do
    cat "$logs/$target.summary"
    grep -E '^(     Running|   Doc-tests|test result:)|panicked at' "$logs/$target.log" | sed 's/^ */  /'
done
exit "$status"
