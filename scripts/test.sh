#!/usr/bin/env bash
# Installs dependencies, builds everything and runs the whole test suite (unit, end-to-end,
# SRCU, benchmark smoke tests). Long stress runs are separate: ctest --test-dir build -L stress
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
ctest --test-dir build -LE stress --output-on-failure -j2 --timeout 600
