#!/usr/bin/env bash
# Installs the Debian bookworm packages ulockdep needs to build and test (as root, or with sudo).
set -euo pipefail
pkgs=(build-essential cmake pkg-config libunwind-dev libdw-dev uthash-dev libcriterion-dev
      liburcu-dev python3 libsqlite3-dev
      libjson-c-dev graphviz chromium fonts-dejavu-core python3-jsonschema  # ulockdep report and its tests
      clang-14 libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh, the fuzz.short test)
      memcached libmemcached-tools rocksdb-tools sysbench stress-ng pigz xz-utils zstd  # real-program tests
      mariadb-server mariadb-client  # real-program tests: install, server, SQL clients
      libglib2.0-dev g++  # GLib and C++ scenarios
      valgrind)  # Helgrind and callgrind columns of the benchmarks
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
