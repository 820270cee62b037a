#!/usr/bin/env bash
# README command 1 (scripts/demo.sh) on an installed tree, without apt and without ./build:
# installs BUILD_DIR into a temporary prefix, runs the installed mmu_notifier_memslots example
# through the installed `ulockdep` (66 and the splat; --fixed: 0 and nothing), and runs every
# installed example without the shim (they find their libraries through the rpath and exit 0);
# then compiles and runs a program against each installed pkg-config file (ulockdep,
# ulockdep-srcu), which must point into this prefix (they are relocatable).
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
TITLE=$(python3 "$(dirname "$0")/../report_kinds.py" circular)

"$P/bin/ulockdep" run -- "$E/mmu_notifier_memslots" >"$P/out" 2>"$P/err"; rc=$?
check "ulockdep run -- mmu_notifier_memslots: exit 66" '[ $rc -eq 66 ]'
check "... prints one circular splat" \
    '[ "$(grep -cxF "$TITLE" "$P/err")" = 1 ]'
check "... trying to acquire the fake map" \
    'grep -q "(mmu_notifier_invalidate_range_start){+.+.}-{0:0}, at: mmu_notifier_invalidate_range_end+" "$P/err"'
check "... holding the rwsem for read" \
    'grep -q "(mmu_notifier_slots_lock){.+.+}-{3:3}, at: kvm_mmu_notifier_invalidate_range_start+" "$P/err"'
check "... with file:line from debug info" 'grep -q "main.c:[0-9]" "$P/err"'
check "... the program ran to its end" 'grep -q "(original locking)" "$P/out"'
[ $failed -eq 0 ] || cat "$P/err"

"$P/bin/ulockdep" run -- "$E/mmu_notifier_memslots" --fixed >"$P/out" 2>"$P/err"; rc=$?
check "ulockdep run -- mmu_notifier_memslots --fixed: exit 0, nothing on stderr" '[ $rc -eq 0 ] && [ ! -s "$P/err" ]'

for ex in mmu_notifier_memslots kvm_srcu_vs_kvm_lock srcu_irq_readers irqfd_teardown srcu_concurrent_updaters cxx_bank; do
    "$E/$ex" >"$P/out" 2>"$P/err"; rc=$?
    check "$ex without the shim: exit 0" '[ $rc -eq 0 ]'
    [ $rc -eq 0 ] || cat "$P/out" "$P/err"
done

export PKG_CONFIG_PATH=$P/lib/pkgconfig
cat >"$P/api.c" <<'EOF'
#include <pthread.h>
#include <ulockdep/ulockdep.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
int main(void)
{
    ulockdep_set_name(&m, "installed->lock");
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return 0;
}
EOF
cat >"$P/srcu.c" <<'EOF'
#include <ulockdep/srcu.h>
static struct srcu_struct s;
int main(void)
{
    if (init_srcu_struct(&s) != 0)
        return 1;
    int idx = srcu_read_lock(&s);
    srcu_read_unlock(&s, idx);
    synchronize_srcu(&s);
    cleanup_srcu_struct(&s);
    return 0;
}
EOF
for pc in ulockdep:api ulockdep-srcu:srcu; do
    name=${pc%%:*} src=${pc#*:}
    flags=$(pkg-config --cflags --libs "$name" 2>&1); rc=$?
    check "pkg-config --cflags --libs $name" '[ $rc -eq 0 ]'
    check "... points into the install prefix ($flags)" \
        '! echo "$flags" | grep -q /usr/local && echo "$flags" | grep -q -- "-I$P/"'
    # shellcheck disable=SC2086
    cc -Wall -Werror -o "$P/$src" "$P/$src.c" $flags -pthread 2>"$P/err"; rc=$?
    check "... a program using its header compiles and links" '[ $rc -eq 0 ]'
    [ $rc -eq 0 ] || cat "$P/err"
    "$P/$src" >"$P/out" 2>&1; rc=$?
    check "... and runs without LD_LIBRARY_PATH (exit 0)" '[ $rc -eq 0 ]'
    [ $rc -eq 0 ] || cat "$P/out"
done
exit $failed
