# SPDX-License-Identifier: LGPL-2.1-or-later
# Cross toolchain for 64-bit Arm Linux with Debian's cross compiler
# (packages gcc-aarch64-linux-gnu libc6-dev-arm64-cross):
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DPFM_LIBRARY=/path/to/arm64/libpfm.a -DPFM_INCLUDE_DIR=/path/to/include ...
# libpfm4 for arm64 is not part of the cross packages: give its library and headers
# explicitly (tests/vm/fetch-kernel --arch arm64 caches them; tests/vm/arm64/build uses that).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(HWPI_CROSS_TRIPLET aarch64-linux-gnu CACHE STRING "cross compiler prefix")
set(CMAKE_C_COMPILER ${HWPI_CROSS_TRIPLET}-gcc)
set(CMAKE_AR ${HWPI_CROSS_TRIPLET}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${HWPI_CROSS_TRIPLET}-ranlib CACHE FILEPATH "")
set(CMAKE_FIND_ROOT_PATH /usr/${HWPI_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
