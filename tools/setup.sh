#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# setup.sh -- installs the Debian 12 packages rocketmq-c builds and tests with, if missing.
# Used by tools/run.sh and tools/test.sh; safe to run again (installs nothing when all present).
# Node.js and npm are never installed from Debian here (they conflict with the preinstalled
# node; see ../shared/docs/clients.md): compat tests use the machine's node.
set -eu

PKGS="gcc make cmake pkg-config python3 libev-dev libmsgpack-dev libssl-dev libjansson-dev \
zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev libcriterion-dev clang-14 libclang-rt-14-dev"
[ "${MQ_SETUP_BENCH:-0}" = 1 ] && PKGS="$PKGS fio"
# Kafka clients: only for tests and benchmarks (tools/test.sh sets MQ_SETUP_TESTS=1).
[ "${MQ_SETUP_TESTS:-0}" = 1 ] && PKGS="$PKGS librdkafka-dev kcat"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "setup: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q --no-install-recommends $missing >/tmp/mq-setup-apt.log 2>&1; then
    $SUDO apt-get update -q >>/tmp/mq-setup-apt.log 2>&1 || true
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $missing >>/tmp/mq-setup-apt.log 2>&1 || {
        tail -20 /tmp/mq-setup-apt.log >&2
        echo "setup: apt-get install failed (log: /tmp/mq-setup-apt.log)" >&2
        exit 1
    }
fi
