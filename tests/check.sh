#!/usr/bin/env bash
# Installs what is missing (Debian), then builds volley and runs every test in
# four configurations: g++ Debug (-O0), g++ Release, clang-16 ASan+UBSan,
# clang-16 TSan; then builds the examples with clang-14, builds a consumer
# of the installed package, runs the demo and fuzzes the importers for a
# bounded time.
# Usage: bash tests/check.sh            (from anywhere; needs root or sudo to install)
# Environment: VOLLEY_JOBS (default: nproc), VOLLEY_FUZZ_SECONDS (default 60, 0 skips).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${VOLLEY_JOBS:-$(nproc)}"
fuzz_seconds="${VOLLEY_FUZZ_SECONDS:-60}"
out="${VOLLEY_BUILD_ROOT:-$root/build-check}"

# ---- install what is missing ------------------------------------------------
# clang-16: clang-14 cannot compile coroutines under -fsanitize=address
# ("Cannot represent a difference across sections"), so the sanitizer builds
# and the fuzzer use clang-16 from Debian.
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
command -v g++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
command -v clang++-14 >/dev/null || need+=(clang-14)
command -v clang++-16 >/dev/null || need+=(clang-16)
[ -e /usr/lib/llvm-16/lib/clang/16/lib/linux/libclang_rt.asan-x86_64.a ] || need+=(libclang-rt-16-dev)
[ -e /usr/include/catch2/catch.hpp ] || [ -e /usr/include/catch2/catch_test_macros.hpp ] || need+=(catch2)
[ -e /usr/include/nlohmann/json.hpp ] || need+=(nlohmann-json3-dev)
# The asio/ layer: Boost 1.81 (Asio, Beast), OpenSSL, and for its tests the
# loopback aiohttp servers and the openssl command that makes their certificate.
dpkg -s libboost1.81-dev >/dev/null 2>&1 || need+=(libboost1.81-dev)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
command -v openssl >/dev/null || need+=(openssl)
/usr/bin/python3 -c "import aiohttp" 2>/dev/null || need+=(python3-aiohttp)
# The mcp/ layer's peers are npm packages (tests/mcp/peers), run by Node.
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v flock >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing: ${need[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

# ---- the MCP peers ------------------------------------------------------------
# The reference MCP servers, the TypeScript SDK and the conformance suite,
# pinned in tests/mcp/peers/package-lock.json, installed once for every
# configuration into the build tree (never into the source tree).
peers="$out/mcp-peers"
echo "== MCP peers (npm ci into $peers)"
bash "$root/tests/mcp/peers/install_peers.sh" "$peers" || echo "== MCP peers not installed: the MCP tests will skip"

# ---- build and test ---------------------------------------------------------
failed=0
passed=0
run_config() {
  local name="$1"; shift
  local dir="$out/$name"
  echo "== [$name] configure + build"
  local start=$SECONDS
  cmake -S "$root" -B "$dir" -G Ninja -DVOLLEY_MCP_PEERS_DIR="$peers" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  echo "== [$name] test (built in $((SECONDS - start)) s)"
  if (cd "$dir" && ctest --output-on-failure -j "$jobs"); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
  echo "== [$name] done in $((SECONDS - start)) s"
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"

# Each public header alone: with g++ here and clang-14 below.
run_config gcc-debug   -DCMAKE_BUILD_TYPE=Debug   -DCMAKE_CXX_COMPILER=g++ -DVOLLEY_BUILD_BENCHMARKS=OFF -DVOLLEY_CHECK_HEADERS=ON
run_config gcc-release -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++
# Sanitizer builds at -O1: quick to build, fast enough to run.
run_config clang-asan  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DCMAKE_CXX_COMPILER=clang++-16 \
  -DVOLLEY_SANITIZER=address -DVOLLEY_BUILD_EXAMPLES=OFF -DVOLLEY_BUILD_BENCHMARKS=OFF
run_config clang-tsan  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DCMAKE_CXX_COMPILER=clang++-16 \
  -DVOLLEY_SANITIZER=thread -DVOLLEY_BUILD_EXAMPLES=OFF -DVOLLEY_BUILD_BENCHMARKS=OFF
# clang-14, Debian 12's default clang, builds the examples (most of the
# library) warning-free; its tests are the clang-16 runs above.
echo "== [clang14-examples] build"
if cmake -S "$root" -B "$out/clang14-examples" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 \
     -DVOLLEY_BUILD_TESTS=OFF -DVOLLEY_BUILD_BENCHMARKS=OFF -DVOLLEY_CHECK_HEADERS=ON >/dev/null && cmake --build "$out/clang14-examples" -j "$jobs"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "== package: cmake --install + find_package, and add_subdirectory"
package_ok=1
rm -rf "$out/prefix" "$out/consumer-installed" "$out/consumer-subdirectory"
cmake --install "$out/gcc-release" --prefix "$out/prefix" >/dev/null || package_ok=0
for mode in installed subdirectory; do
  args=(-DCMAKE_PREFIX_PATH="$out/prefix" -DCMAKE_BUILD_TYPE=Release)
  [ "$mode" = subdirectory ] && args=(-DVOLLEY_SOURCE_DIR="$root" -DCMAKE_BUILD_TYPE=Release)
  if cmake -S "$root/tests/package" -B "$out/consumer-$mode" -G Ninja "${args[@]}" >/dev/null &&
     cmake --build "$out/consumer-$mode" >/dev/null &&
     "$out/consumer-$mode/consumer" && { [ ! -x "$out/consumer-$mode/consumer_io" ] || "$out/consumer-$mode/consumer_io"; } &&
     { [ ! -x "$out/consumer-$mode/consumer_asio" ] || "$out/consumer-$mode/consumer_asio"; } &&
     { [ ! -x "$out/consumer-$mode/consumer_mcp" ] || "$out/consumer-$mode/consumer_mcp"; }; then
    echo "package ($mode): ok"
  else
    echo "package ($mode): FAILED"; package_ok=0
  fi
done
[ -x "$out/prefix/bin/volley-grade" ] || { echo "package: volley-grade was not installed"; package_ok=0; }
[ -x "$out/prefix/bin/volley-run" ] || { echo "package: volley-run was not installed"; package_ok=0; }
if [ "$package_ok" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== demo"
if "$out/gcc-release/examples/seed_scenario" >/dev/null; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "demo failed"; fi

if [ "$fuzz_seconds" != "0" ] && [ -x "$root/tests/fuzz/run_fuzz.sh" ]; then
  echo "== fuzz the importers for $fuzz_seconds s"
  if bash "$root/tests/fuzz/run_fuzz.sh" "$fuzz_seconds"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi

echo
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
