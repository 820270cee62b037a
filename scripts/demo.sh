#!/usr/bin/env bash
# Installs dependencies, builds and installs ulockdep into ./_install, and runs the main demo:
# the Linux 5.12 KVM mmu_notifier vs memslots inversion, reported from a run that never hangs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
cmake --install build --prefix "$PWD/_install" >/dev/null
demo="$PWD/_install/lib/ulockdep/examples/mmu_notifier_memslots"
echo "\$ _install/bin/ulockdep run -- ${demo#$PWD/}"
set +e
"$PWD/_install/bin/ulockdep" run -- "$demo"
rc=$?
set -e
echo "(exit status $rc: ulockdep's exitcode for 'reports were made')"
echo "\$ _install/bin/ulockdep run -- ${demo#$PWD/} --fixed"
"$PWD/_install/bin/ulockdep" run -- "$demo" --fixed
echo "(exit status $?: the fixed locking is clean)"
echo "(more kernel cases, with their expected reports: examples/README.md)"
