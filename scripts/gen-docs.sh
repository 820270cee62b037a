#!/usr/bin/env bash
# Regenerates the report pictures committed under docs/: runs the main demo
# (examples/mmu_notifier_memslots, the one scripts/demo.sh shows) under ulockdep with
# format=json and renders its log with `ulockdep report` as docs/example-report.svg (the
# lock-class graph) and docs/example-report.html (the self-contained page).
# Paths are written relative to the checkout (the program as build/...), so the committed files
# do not depend on where they were generated. BUILD_DIR (default: build) is the build tree to use.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build}
case $build in /*) ;; *) build=$root/$build ;; esac

scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target ulockdep_cli ulockdep_shim mmu_notifier_memslots >/dev/null

ulockdep=$build/cli/ulockdep
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

set +e
(cd "$build/examples/mmu_notifier_memslots" &&
  "$ulockdep" run --format=json --log_path="$logs/ulockdep" -- ./mmu_notifier_memslots >/dev/null)
rc=$?
set -e
if [ "$rc" -ne 66 ]; then
  echo "gen-docs: the demo exited with $rc, not 66 (ulockdep's status for 'reports were made')" >&2
  exit 1
fi

# The program as build/..., its sources relative to the checkout, whatever BUILD_DIR was.
BUILD=$build ROOT=$root perl -pi -e 's/\Q$ENV{BUILD}\E\//build\//g; s/\Q$ENV{ROOT}\E\///g' "$logs"/ulockdep.*

render() { # FORMAT OUTPUT: `ulockdep report` exits 1 when it showed problems, as here
  local rc=0
  "$ulockdep" report --format="$1" -o "$2" "$logs" || rc=$?
  if [ "$rc" -ne 1 ]; then
    echo "gen-docs: ulockdep report --format=$1 exited with $rc, expected 1" >&2
    exit 1
  fi
  echo "wrote $2"
}
render svg docs/example-report.svg
render html docs/example-report.html
