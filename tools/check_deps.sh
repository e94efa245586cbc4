#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# check_deps.sh -- fails when a source file includes something its directory may not depend on.
# The CMake targets already make most forbidden edges a build failure (a library only sees the
# include directories of what it links); this catches the rest, e.g. a relative include.
#   protocols/   no sockets, no libev, no files, no store
#   broker/store never protocols/rocketmq or protocols/kafka, no sockets or libev
#   namesrv/     mq_core only: no sockets, no wire codecs, no store
set -u
cd "$(dirname "$0")/.." || exit 2
fail=0
check() { # dir pattern reason
    hits=$(grep -rnE "$2" "$1" --include='*.c' --include='*.h' 2>/dev/null | grep -v '/tests/' | grep -v '/fuzz/')
    if [ -n "$hits" ]; then
        echo "forbidden dependency in $1 ($3):"
        echo "$hits"
        fail=1
    fi
}
check protocols '#include *[<"](sys/socket\.h|netinet/|arpa/inet\.h|ev\.h|openssl/|fcntl\.h|sys/mman\.h|dirent\.h)' "pure codecs: no sockets, libev or files"
check protocols '#include *".*(store|gateway|broker|namesrv)' "protocols may not use the store, gateway or services"
check protocols '\b(fopen|open|socket|connect|accept|mmap)\(' "pure codecs do no I/O"
check broker/store '#include *"(rmq_|kf_|gw_|.*protocols/(rocketmq|kafka))' "the store depends on mq_core only"
check broker/store '#include *[<"](ev\.h|sys/socket\.h)' "the store touches no sockets"
check include '#include *"(rmq_|kf_|gw_|bk_|ns_|store_)' "include/ depends on no module"
check namesrv '#include *[<"](ev\.h|sys/socket\.h|openssl/)' "the NameServer service touches no sockets"
check namesrv '#include *"(rmq_|kf_|gw_|bk_|store_)' "the NameServer depends on mq_core only"
check broker '#include *"(gw_|ns_)' "services do not reach into the gateway or the NameServer"
if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "check_deps: ok"
