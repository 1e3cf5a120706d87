#!/usr/bin/env bash
# Creates the virtualenv of the Python-library tests (tests/python: matplotlib, imageio and
# MoviePy writing through framecast's ffmpeg shim) at target/python-venv from PyPI, pinned by
# tests/python/requirements.txt. Idempotent: does nothing when the venv matches.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv=target/python-venv
stamp=$venv/.requirements
if [[ -x $venv/bin/python && -f $stamp ]] && cmp -s "$stamp" tests/python/requirements.txt; then
    exit 0
fi
echo "python-deps: creating $venv (tests/python/requirements.txt)"
mkdir -p target
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements.txt
cp tests/python/requirements.txt "$stamp"
