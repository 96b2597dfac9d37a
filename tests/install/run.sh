#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install the built project into a temporary prefix and build a consumer of it
# three ways: the CMake package (shared and static) and pkg-config.
#
# usage: run.sh BUILD-DIR WORK-DIR [CMAKE]
set -eu

build=$1
work=$2
cmake=${3:-cmake}
src=$(cd "$(dirname "$0")" && pwd)
prefix=$work/prefix
cc=${CC:-cc}
pkg_config=${PKG_CONFIG:-pkg-config}
cflags=${CFLAGS:-}
ldflags=${LDFLAGS:-}

fail() {
	echo "install-consumer: $*" >&2
	exit 1
}

rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" ||
	fail "cmake --install failed (see $work/install.log)"

so=$(find "$prefix" -name 'libhwpinject.so.*.*' | head -n 1)
[ -n "$so" ] || fail "no libhwpinject.so.* installed under $prefix"
libdir=$(dirname "$so")
[ -f "$libdir/libhwpinject.a" ] || fail "no static library in $libdir"
[ -f "$libdir/pkgconfig/hwpinject.pc" ] || fail "no hwpinject.pc in $libdir/pkgconfig"
[ -f "$libdir/cmake/hwpinject/hwpinjectConfig.cmake" ] || fail "no CMake package in $libdir/cmake"
[ -f "$prefix/include/hwpinject.h" ] || fail "no hwpinject.h in $prefix/include"
[ -L "$libdir/libhwpinject.so.1" ] || fail "no soname link libhwpinject.so.1"

# only hwpi_ symbols are exported, all of them versioned; no internals
if command -v nm >/dev/null; then
	syms=$(nm -D --defined-only "$so" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}')
	bad=$(printf '%s\n' "$syms" | grep -v '^hwpi_[a-z]' | grep -v '^HWPINJECT_' || true)
	[ -z "$bad" ] || fail "unexpected exported symbols: $bad"
	printf '%s\n' "$syms" | grep -q '^hwpi_ctx_new@@HWPINJECT_1$' ||
		fail "hwpi_ctx_new is not versioned HWPINJECT_1"
	! printf '%s\n' "$syms" | grep -q '^hwpi__' || fail "internal hwpi__ symbols exported"
fi

# the installed header alone, strict C11 and C++
printf '#include <hwpinject.h>\nint main(void) { return 0; }\n' >"$work/header.c"
# shellcheck disable=SC2086 # $cflags: several flags
"$cc" $cflags -std=c11 -Wall -Wextra -Werror -pedantic -I"$prefix/include" -c "$work/header.c" \
	-o "$work/header.o" || fail "hwpinject.h does not compile alone as C11"
if command -v c++ >/dev/null; then
	cp "$work/header.c" "$work/header.cc"
	c++ -Wall -Wextra -Werror -I"$prefix/include" -c "$work/header.cc" -o "$work/header-cc.o" ||
		fail "hwpinject.h does not compile as C++"
fi

# 1. CMake: find_package(hwpinject) -> hwpinject::hwpinject, hwpinject::hwpinject_static
"$cmake" -S "$src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" 2>&1 ||
	fail "configuring the CMake consumer failed: $(tail -n 20 "$work/cmake.log")"
"$cmake" --build "$work/cmake" >>"$work/cmake.log" 2>&1 ||
	fail "building the CMake consumer failed: $(tail -n 20 "$work/cmake.log")"
version=$(cat "$work/cmake/version.txt")
[ -n "$version" ] || fail "the CMake package has no version"
LD_LIBRARY_PATH=$libdir "$work/cmake/consumer" "$version"
"$work/cmake/consumer_static" "$version"
# the static one really is static: no libhwpinject.so needed
if command -v ldd >/dev/null && ldd "$work/cmake/consumer_static" | grep -q libhwpinject; then
	fail "consumer_static is linked against the shared library"
fi
# the shared one really uses the installed library
if command -v ldd >/dev/null; then
	LD_LIBRARY_PATH=$libdir ldd "$work/cmake/consumer" | grep -q "$libdir/libhwpinject.so.1" ||
		fail "consumer does not use $libdir/libhwpinject.so.1"
fi

# 2. pkg-config, relocated to the temporary prefix
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pc_version=$("$pkg_config" --modversion hwpinject) || fail "pkg-config does not find hwpinject"
[ "$pc_version" = "$version" ] || fail "pkg-config version $pc_version, CMake $version"
flags=$("$pkg_config" --define-prefix --cflags --libs hwpinject)
case "$flags" in
*"$prefix"*) ;;
*) fail "pkg-config flags do not point into the install prefix $prefix: $flags" ;;
esac
# shellcheck disable=SC2086 # word splitting of the flags is wanted
"$cc" $cflags -Wall -Werror -o "$work/consumer-pc" "$src/consumer.c" $flags $ldflags ||
	fail "building with pkg-config flags ($flags) failed"
LD_LIBRARY_PATH=$libdir "$work/consumer-pc" "$version"

echo "install-consumer: ok ($prefix)"
