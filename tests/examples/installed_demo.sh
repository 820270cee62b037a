#!/usr/bin/env bash
# README command 1 (scripts/demo.sh) on an installed tree, without apt and without ./build:
# installs BUILD_DIR into a temporary prefix, runs the installed mmu_notifier_memslots example
# through the installed `ulockdep` (66 and the splat; --fixed: 0 and nothing), and runs every
# installed example without the shim (they find their libraries through the rpath and exit 0).
# Usage: installed_demo.sh CMAKE BUILD_DIR
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 CMAKE BUILD_DIR" >&2
    exit 2
fi
CMAKE=$1 B=$2
P=$(mktemp -d)
trap 'rm -rf "$P"' EXIT
failed=0
check() { if eval "$2"; then echo "ok    $1"; else echo "FAIL  $1"; failed=1; fi; }
unset LD_PRELOAD ULOCKDEP_OPTIONS ULOCKDEP_SHIM

if ! "$CMAKE" --install "$B" --prefix "$P" >"$P.install.log" 2>&1; then
    cat "$P.install.log"; rm -f "$P.install.log"
    echo "FAIL  cmake --install"
    exit 1
fi
rm -f "$P.install.log"
E=$P/lib/ulockdep/examples

"$P/bin/ulockdep" run -- "$E/mmu_notifier_memslots" >"$P/out" 2>"$P/err"; rc=$?
check "ulockdep run -- mmu_notifier_memslots: exit 66" '[ $rc -eq 66 ]'
check "... prints one circular splat" \
    '[ "$(grep -c "^WARNING: possible circular locking dependency detected$" "$P/err")" = 1 ]'
check "... trying to acquire the fake map" \
    'grep -q "(mmu_notifier_invalidate_range_start){+.+.}-{0:0}, at: mmu_notifier_invalidate_range_end+" "$P/err"'
check "... holding the rwsem for read" \
    'grep -q "(mmu_notifier_slots_lock){.+.+}-{3:3}, at: kvm_mmu_notifier_invalidate_range_start+" "$P/err"'
check "... with file:line from debug info" 'grep -q "main.c:[0-9]" "$P/err"'
check "... the program ran to its end" 'grep -q "(original locking)" "$P/out"'
[ $failed -eq 0 ] || cat "$P/err"

"$P/bin/ulockdep" run -- "$E/mmu_notifier_memslots" --fixed >"$P/out" 2>"$P/err"; rc=$?
check "ulockdep run -- mmu_notifier_memslots --fixed: exit 0, nothing on stderr" '[ $rc -eq 0 ] && [ ! -s "$P/err" ]'

for ex in mmu_notifier_memslots kvm_srcu_vs_kvm_lock srcu_irq_readers irqfd_teardown srcu_concurrent_updaters; do
    "$E/$ex" >"$P/out" 2>"$P/err"; rc=$?
    check "$ex without the shim: exit 0" '[ $rc -eq 0 ]'
    [ $rc -eq 0 ] || cat "$P/out" "$P/err"
done
exit $failed
