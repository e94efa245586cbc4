#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# kcat.sh -- kcat 1.7.1 (librdkafka 2.0.2) against the broker's Kafka listener; run.py runs it.
#
#   kcat_metadata       -L lists one broker at the bootstrap address; -L -t shows 3 partitions
#   kcat_produce_keys   -P -K '|' -H h1=a -H h2=b, then -C -o beginning -e: keys (incl. an empty
#                       one), values, headers and dense offsets as produced
#   kcat_compression    -z gzip|snappy|lz4|zstd, each to its own partition, read back
#   kcat_query_offsets  -Q -t T:p:ts (ListOffsets by timestamp): ts 1 -> 0, year 2100 -> -1
#   kcat_group          -G (balanced consumer group) reads everything of the topic once
#   kcat_idempotent     -P -X enable.idempotence=true (InitProducerId)
#
# Usage: kcat.sh BOOTSTRAP TOPIC_PREFIX. Environment: MQ_KAFKA_SKIP=case,case (skip list).
# Prints `ok - case` / `not ok - case: why` / `skip - case: reason` and "N passed, N failed,
# N skipped"; exits 1 on a failure.
set -u
B=$1
T="$2-kcat"
PASSED=0
FAILED=0
SKIPPED=0
TOTAL=0 # records produced to $T (kcat_group reads them all)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
kc() { # seconds, kcat arguments...
    secs=$1
    shift
    timeout "$secs" kcat -b "$B" -X broker.address.family=v4 "$@"
}

skipped() { # case -> 0 when on the skip list
    [ -n "${MQ_KAFKA_NO_SKIP:-}" ] && return 1
    case ",${MQ_KAFKA_SKIP:-}," in
    *",$1,"*)
        echo "skip - $1: on the skip list (MQ_KAFKA_SKIP)"
        SKIPPED=$((SKIPPED + 1))
        return 0
        ;;
    esac
    return 1
}
result() { # case, failure text ("" = ok)
    if [ -z "$2" ]; then
        echo "ok - $1"
        PASSED=$((PASSED + 1))
    else
        echo "not ok - $1: $2"
        FAILED=$((FAILED + 1))
    fi
}
# wait_end TOPIC PARTITION N: until ListOffsets(latest) says N (3 s at most). An acked record
# should be readable at once; rdk_produce_consume's produce_visible checks that, so the cases
# here do not depend on it.
wait_end() {
    i=0
    while [ $i -lt 60 ]; do
        kc 10 -Q -t "$1:$2:-1" 2>/dev/null | grep -q "offset $3\$" && return 0
        i=$((i + 1))
        sleep 0.05
    done
    return 0
}
# expect FILE_GOT FILE_WANT -> "" or a diff
expect() {
    if cmp -s "$1" "$2"; then
        echo ""
    else
        echo "output differs: $(diff "$2" "$1" | head -20 | tr '\n' '~')"
    fi
}

# ---- kcat_metadata
if ! skipped kcat_metadata; then
    why=""
    kc 20 -L >"$TMP/md" 2>"$TMP/md.err" || why="kcat -L failed: $(tail -3 "$TMP/md.err")"
    if [ -z "$why" ]; then
        grep -q '^ 1 brokers:' "$TMP/md" || why="not one broker: $(head -5 "$TMP/md" | tr '\n' '~')"
        grep -q "at $B" "$TMP/md" || why="$why; broker not at $B"
    fi
    # a topic's metadata auto-creates it with --num.partitions=3
    if [ -z "$why" ]; then
        i=0
        while [ $i -lt 20 ]; do
            kc 20 -L -t "$T" >"$TMP/md2" 2>/dev/null
            grep -q "topic \"$T\" with 3 partitions" "$TMP/md2" && break
            i=$((i + 1))
            sleep 0.25
        done
        grep -q "topic \"$T\" with 3 partitions" "$TMP/md2" ||
            why="-L -t $T: $(tr '\n' '~' <"$TMP/md2")"
    fi
    result kcat_metadata "$why"
fi

# ---- kcat_produce_keys: partition 0
if ! skipped kcat_produce_keys; then
    why=""
    printf 'k1|v1\nk2|value two\n|empty-key\nk4|\303\251t\303\251\n' >"$TMP/in"
    kc 30 -P -t "$T" -p 0 -K '|' -H h1=a -H h2=b -H h1=dup -X acks=all <"$TMP/in" \
        2>"$TMP/p.err" || why="produce failed: $(tail -3 "$TMP/p.err")"
    [ -z "$why" ] && TOTAL=$((TOTAL + 4))
    wait_end "$T" 0 4
    if [ -z "$why" ]; then
        kc 30 -C -t "$T" -p 0 -o beginning -e -q -f '%o|%k|%s|%h|%K|%S\n' \
            >"$TMP/out" 2>"$TMP/c.err" || why="consume failed: $(tail -3 "$TMP/c.err")"
        printf '0|k1|v1|h1=a,h2=b,h1=dup|2|2\n1|k2|value two|h1=a,h2=b,h1=dup|2|9\n' >"$TMP/want"
        printf '2||empty-key|h1=a,h2=b,h1=dup|0|9\n3|k4|\303\251t\303\251|h1=a,h2=b,h1=dup|2|5\n' \
            >>"$TMP/want"
        [ -z "$why" ] && why=$(expect "$TMP/out" "$TMP/want")
    fi
    result kcat_produce_keys "$why"
fi

# ---- kcat_compression: one codec a partition (1, 2, then 1 and 2 again), 50 lines each
if ! skipped kcat_compression; then
    why=""
    : >"$TMP/want1"
    : >"$TMP/want2"
    p=1
    for z in gzip snappy lz4 zstd; do
        seq 1 50 | sed "s/^/$z-line-/" >"$TMP/z"
        cat "$TMP/z" >>"$TMP/want$p"
        if kc 30 -P -t "$T" -p $p -z $z -X linger.ms=50 <"$TMP/z" 2>"$TMP/z.err"; then
            TOTAL=$((TOTAL + 50))
        else
            why="$why; -z $z produce failed: $(tail -2 "$TMP/z.err" | tr '\n' '~')"
        fi
        if grep -qi 'compress' "$TMP/z.err"; then
            why="$why; -z $z: $(grep -i compress "$TMP/z.err" | head -1)"
        fi
        p=$((3 - p))
    done
    for p in 1 2; do
        wait_end "$T" $p "$(wc -l <"$TMP/want$p" | tr -d ' ')"
        kc 30 -C -t "$T" -p $p -o beginning -e -q -f '%s\n' >"$TMP/zout$p" 2>/dev/null ||
            why="$why; consume p$p failed"
        d=$(expect "$TMP/zout$p" "$TMP/want$p")
        [ -n "$d" ] && why="$why; p$p: $d"
    done
    result kcat_compression "${why#; }"
fi

# ---- kcat_query_offsets: ListOffsets by timestamp on partition 1 (200 records)
if ! skipped kcat_query_offsets; then
    why=""
    kc 20 -Q -t "$T:1:1" >"$TMP/q1" 2>&1 || why="-Q failed: $(tail -2 "$TMP/q1")"
    grep -q "^$T \[1\] offset 0\$" "$TMP/q1" || why="$why; ts 1: $(tr '\n' '~' <"$TMP/q1")"
    kc 20 -Q -t "$T:1:4102444800000" >"$TMP/q2" 2>&1 || why="$why; -Q failed"
    grep -q "^$T \[1\] offset -1\$" "$TMP/q2" || why="$why; ts 2100-01-01: $(tr '\n' '~' <"$TMP/q2")"
    result kcat_query_offsets "${why#; }"
fi

# ---- kcat_group: a balanced consumer reads every record of the topic once
if ! skipped kcat_group; then
    why=""
    kc 60 -G "$2-kcat-group" -X auto.offset.reset=earliest -e -q -f '%p %o\n' "$T" \
        >"$TMP/g" 2>"$TMP/g.err" || why="kcat -G failed or timed out: $(tail -3 "$TMP/g.err" | tr '\n' '~')"
    n=$(wc -l <"$TMP/g")
    u=$(sort -u "$TMP/g" | wc -l)
    [ "$n" -eq "$TOTAL" ] && [ "$u" -eq "$TOTAL" ] || why="$why; $n records ($u distinct), want $TOTAL"
    result kcat_group "${why#; }"
fi

# ---- kcat_idempotent: 100 records to a topic of its own
if ! skipped kcat_idempotent; then
    why=""
    T2="$T-idem"
    seq 1 100 >"$TMP/i"
    kc 30 -P -t "$T2" -p 0 -X enable.idempotence=true <"$TMP/i" 2>"$TMP/i.err" ||
        why="idempotent produce failed: $(tail -3 "$TMP/i.err" | tr '\n' '~')"
    grep -qi 'fatal\|error' "$TMP/i.err" && why="$why; $(grep -i 'fatal\|error' "$TMP/i.err" | head -2 | tr '\n' '~')"
    wait_end "$T2" 0 100
    kc 30 -C -t "$T2" -p 0 -o beginning -e -q -f '%s\n' >"$TMP/iout" 2>/dev/null
    d=$(expect "$TMP/iout" "$TMP/i")
    [ -n "$d" ] && why="$why; $d"
    result kcat_idempotent "${why#; }"
fi

echo "kcat.sh: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
