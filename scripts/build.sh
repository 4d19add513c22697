#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Configure and build into ./build (or $BUILD_DIR). Extra args go to cmake,
# after ours (so -DVMPLACE_WERROR=OFF wins). Warnings are errors here, for
# developers and CI (CMake's default for packagers is VMPLACE_WERROR=OFF).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMPLACE_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
