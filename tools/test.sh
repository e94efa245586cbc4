#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test.sh -- the project's test command (README line 2; .ci/run calls it).
#
#   1. installs missing Debian packages (tools/setup.sh)
#   2. builds with -Werror and runs every CTest test (unit tests, crash tests, dependency check)
#   3. builds the Release tree tools/run.sh uses (-O3 finds other warnings)
#   4. builds with AddressSanitizer + UndefinedBehaviorSanitizer and runs them again
#   5. builds the libFuzzer targets with clang-14 and runs each from its seed corpus for
#      MQ_FUZZ_SECONDS (default 60) seconds
# Exits non-zero when anything fails. Build trees: build/test, build/release-check, build/asan, build/fuzz.
# Environment: MQ_FUZZ_SECONDS, MQ_TEST_SKIP_ASAN=1, MQ_TEST_SKIP_FUZZ=1, MQ_JOBS.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${MQ_JOBS:-$(nproc)}
FUZZ_SECONDS=${MQ_FUZZ_SECONDS:-60}
FAILED=""

MQ_SETUP_TESTS=1 ./tools/setup.sh
./compat-tests/kafka/setup.sh # librdkafka/kcat before CMake looks for them; the npm clients

step() { printf '\n==== %s ====\n' "$*"; }

build() { # dir, cmake args...
    dir=$1
    shift
    if ! cmake -S "$ROOT" -B "$dir" -DMQ_WERROR=ON "$@" >"$dir.configure.log" 2>&1; then
        cat "$dir.configure.log"
        return 1
    fi
    if ! cmake --build "$dir" -j "$JOBS" >"$dir.build.log" 2>&1; then
        grep -E -B2 -A8 'error|Error' "$dir.build.log" | head -n 120
        return 1
    fi
}

mkdir -p build
step "build (-Werror) and unit/crash tests"
if build build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    ctest --test-dir build/test --output-on-failure -j "$JOBS" --timeout 600; then :; else
    FAILED="$FAILED plain"
fi

step "release build (-O3, as tools/run.sh builds it)"
if build build/release-check -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF; then :; else
    FAILED="$FAILED release"
fi

if [ "${MQ_TEST_SKIP_ASAN:-0}" != 1 ]; then
    step "AddressSanitizer + UndefinedBehaviorSanitizer"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    if build build/asan -DCMAKE_BUILD_TYPE=Debug -DMQ_SANITIZE=ON &&
        ctest --test-dir build/asan --output-on-failure -j "$JOBS" --timeout 900; then :; else
        FAILED="$FAILED asan"
    fi
fi

if [ "${MQ_TEST_SKIP_FUZZ:-0}" != 1 ]; then
    step "fuzz targets, ${FUZZ_SECONDS}s each"
    if CC=clang-14 build build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMQ_FUZZ=ON \
        -DBUILD_TESTING=OFF -DMQ_BUILD_TOOLS=OFF; then
        for corpus in $(find protocols broker gateway namesrv tools -path '*/fuzz/corpus/*' \
            -mindepth 0 -type d 2>/dev/null | grep -E '/fuzz/corpus/[^/]+$' | sort); do
            name=$(basename "$corpus")
            bin=$(find build/fuzz -type f -name "$name" -perm -u+x | head -n 1)
            if [ -z "$bin" ]; then
                echo "fuzz: no binary for corpus $corpus"
                FAILED="$FAILED fuzz:$name"
                continue
            fi
            work=$(mktemp -d)
            echo "fuzz: $name (${FUZZ_SECONDS}s)"
            if "$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 \
                -print_final_stats=1 "$work" "$corpus" >"build/fuzz/$name.log" 2>&1; then
                grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "build/fuzz/$name.log" |
                    tr '\n' ' '
                echo
            else
                tail -n 60 "build/fuzz/$name.log"
                FAILED="$FAILED fuzz:$name"
            fi
            rm -rf "$work"
        done
    else
        FAILED="$FAILED fuzz-build"
    fi
fi

if [ -n "$FAILED" ]; then
    printf '\nFAILED:%s\n' "$FAILED"
    exit 1
fi
printf '\nall tests passed\n'
