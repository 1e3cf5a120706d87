#!/usr/bin/env bash
# Installs the build tools and the independent test oracles on Debian 12 (root or sudo): nasm
# (openh264's x86 assembly, about 3x faster encodes; the build warns without it),
# ffmpeg/ffprobe (framemd5, stream checks, decoding for PSNR and colour checks), dav1d (an
# independent AV1 decoder for framecast-av1's tests) and Debian's
# chromium driven through playwright-core (playback to the end, frames counted with
# requestVideoFrameCallback, colours read from a canvas).
#
# playwright-core comes from the committed package-lock.json into
# crates/mux/tests/browser/node_modules; it never downloads a browser. Idempotent and quiet:
# prints one line per thing it installs, nothing when all is present.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi

missing=()
for pkg in nasm ffmpeg dav1d chromium; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
    echo "conformance-deps: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
    echo "conformance-deps: playwright-core needs Node >= 20, found $(node --version)" >&2
    exit 1
fi

browser=crates/mux/tests/browser
version() { (cd "$browser" && node -p "$1" 2>/dev/null) || true; }
locked=$(version "require('./package-lock.json').packages['node_modules/playwright-core'].version")
installed=$(version "require('./node_modules/playwright-core/package.json').version")
if [[ -z $installed || $installed != "$locked" ]]; then
    echo "conformance-deps: npm ci in $browser (playwright-core $locked)"
    # playwright-core never downloads a browser; the tests drive /usr/bin/chromium.
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

for tool in nasm ffmpeg ffprobe dav1d chromium node; do
    command -v "$tool" >/dev/null || { echo "conformance-deps: $tool is still missing" >&2; exit 1; }
done
