#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# setup.sh -- installs what the Kafka compatibility tests need, when missing: Debian's
# librdkafka-dev (the rdk_* programs; CMake finds it with pkg-config at configure time, so run
# this before configuring) and kcat, and the pinned npm clients kafkajs and @platformatic/kafka
# in compat-tests/kafka/node_modules (package.json; no lock file is written, see .npmrc).
# Node.js and npm are never installed from Debian (they conflict with the machine's node; see
# shared/docs/clients.md): without node the npm part is skipped and run.py skips the node suite.
# Safe to run again: installs nothing when everything is there.
# Usage: setup.sh [--apt-only | --npm-only]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
what=${1:-all}

if [ "$what" != --npm-only ]; then
    PKGS="librdkafka-dev kcat"
    missing=""
    for p in $PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        SUDO=""
        [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        echo "compat-tests/kafka/setup.sh: installing$missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        log=/tmp/mq-setup-kafka-apt.log
        # shellcheck disable=SC2086
        if ! $SUDO apt-get install -y -q --no-install-recommends $missing >"$log" 2>&1; then
            $SUDO apt-get update -q >>"$log" 2>&1 || true
            # shellcheck disable=SC2086
            $SUDO apt-get install -y -q --no-install-recommends $missing >>"$log" 2>&1 || {
                tail -20 "$log" >&2
                echo "compat-tests/kafka/setup.sh: apt-get install failed (log: $log)" >&2
                exit 1
            }
        fi
    fi
fi

if [ "$what" != --apt-only ]; then
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "compat-tests/kafka/setup.sh: node/npm absent: the npm clients are not installed" >&2
        exit 0
    fi
    version() { # package -> installed version or ""
        node -p "require('$here/node_modules/$1/package.json').version" 2>/dev/null || true
    }
    if [ "$(version kafkajs)" != 2.2.4 ] || [ "$(version @platformatic/kafka)" != 1.35.0 ]; then
        echo "compat-tests/kafka/setup.sh: npm install (kafkajs 2.2.4, @platformatic/kafka 1.35.0)" >&2
        (cd "$here" && npm install --no-audit --no-fund --no-package-lock >/tmp/mq-setup-kafka-npm.log 2>&1) || {
            tail -20 /tmp/mq-setup-kafka-npm.log >&2
            echo "compat-tests/kafka/setup.sh: npm install failed (log: /tmp/mq-setup-kafka-npm.log)" >&2
            exit 1
        }
    fi
fi
