#!/usr/bin/env bash
# Checks every tool the build needs and installs what is missing from Debian's archive,
# so that `make qemu` and `make test` work on a fresh machine with nothing done by hand.
# Prints one line per problem; exits non-zero only when a tool is still missing or too old.
# `deps.sh --diagrams` installs only the optional Graphviz that `make diagrams` needs (nothing
# else in the build does).
set -u
need_pkgs=()
want() { # want COMMAND-OR-FILE PACKAGE
  case "$1" in
    /*) [ -e "$1" ] || need_pkgs+=("$2") ;;
    *) command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2") ;;
  esac
}

if [ -z "${TOOLPREFIX:-}" ]; then
  if command -v riscv64-linux-gnu-g++ >/dev/null 2>&1; then :;
  elif command -v riscv64-unknown-elf-g++ >/dev/null 2>&1 && \
       echo '#include <cstdint>' | riscv64-unknown-elf-g++ -x c++ -fsyntax-only - 2>/dev/null; then :;
  else need_pkgs+=(g++-riscv64-linux-gnu); fi
fi
want qemu-system-riscv64 qemu-system-misc
want /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf opensbi
want /usr/include/doctest/doctest.h doctest-dev
want python3 python3
want gdb-multiarch gdb-multiarch
want mke2fs e2fsprogs
want clang-format clang-format
want g++ g++
if [ "${1:-}" = "--diagrams" ]; then need_pkgs=(); want dot graphviz; fi

if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "deps: installing ${need_pkgs[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null || { echo "deps: apt-get update failed"; exit 1; }
  $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null || {
    echo "deps: apt-get install ${need_pkgs[*]} failed"; exit 1; }
fi

if [ "${1:-}" = "--diagrams" ]; then
  command -v dot >/dev/null 2>&1 || { echo "deps: Graphviz dot is still missing"; exit 1; }
  exit 0
fi

ok=1
ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
qv=$(qemu-system-riscv64 --version | head -n1 | sed -E 's/.*version ([0-9.]+).*/\1/')
ver_ge "$qv" 7.0 || { echo "deps: qemu-system-riscv64 $qv is too old (need 7.0 or newer)"; ok=0; }
gxx=${TOOLPREFIX:-}
if [ -z "$gxx" ]; then
  command -v riscv64-linux-gnu-g++ >/dev/null 2>&1 && gxx=riscv64-linux-gnu- || gxx=riscv64-unknown-elf-
fi
gv=$(${gxx}g++ -dumpfullversion 2>/dev/null || echo 0)
ver_ge "$gv" 11 || { echo "deps: ${gxx}g++ $gv is too old (need 11 or newer for C++20)"; ok=0; }
[ $ok -eq 1 ] || exit 1
exit 0
