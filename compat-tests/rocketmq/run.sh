#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh -- entry point of the ali-ons compatibility suite (CTest compat_rocketmq): exits 77
# (CTest's skip code) when node is absent, installs the pinned npm packages when missing, then
# hands over to run.js, which starts the broker, runs the cases and prints "N passed, N failed".
# Usage: run.sh path/to/mqbroker [--only=a,b] [--client-bin=DIR]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v node >/dev/null 2>&1; then
    echo "skip: node is not installed (the suite needs node 20 and npm)"
    exit 77
fi
if [ ! -d "$here/node_modules/ali-ons" ]; then
    command -v npm >/dev/null 2>&1 || { echo "not ok - suite: npm is missing"; echo "0 passed, 1 failed"; exit 1; }
    # package-lock.json pins every package by version and integrity, without download
    # addresses; npm ci installs exactly that and never rewrites it.
    (cd "$here" && npm ci --no-audit --no-fund) ||
        { echo "not ok - suite: npm install failed"; echo "0 passed, 1 failed"; exit 1; }
fi
exec node "$here/run.js" "$@"
