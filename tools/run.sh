#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh -- the project's main job (README line 1): installs what is missing, builds a release
# tree in build/release, and runs it. Until the servers exist (next issue) the main job is the
# store benchmark (a scratch store it removes afterwards); extra arguments go to it, e.g.
#   tools/run.sh --size 1024 --flush sync --threads 50
set -eu
cd "$(dirname "$0")/.."
MQ_SETUP_BENCH=1 ./tools/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build/release -j "$(nproc)" >/dev/null
echo "rocketmq-c: store benchmark (the all-in-one server arrives with the next issue)"
exec build/release/tools/mqstorebench "$@"
