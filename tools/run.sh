#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh -- the project's main job (README line 1): installs what is missing, builds a release
# tree in build/release, and runs the all-in-one server in the foreground: an embedded
# NameServer on 9876, the broker on 10911 (RocketMQ remoting) and the Kafka listener on 9092,
# data under ${MQ_STORE_DIR:-$HOME/store}. Extra arguments are broker.conf keys
# as --key=value (e.g. --flushDiskType=SYNC_FLUSH) or -c broker.conf. Ctrl-C stops it cleanly.
# The store benchmark moved to tools/bench_store.sh.
set -eu
cd "$(dirname "$0")/.."
./tools/setup.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build/release -j "$(nproc)" >/dev/null
exec build/release/gateway/mqbroker --all-in-one \
    --storePathRootDir="${MQ_STORE_DIR:-$HOME/store}" "$@"
