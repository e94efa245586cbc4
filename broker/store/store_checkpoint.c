/* SPDX-License-Identifier: Apache-2.0
 *
 * store_checkpoint.c -- the `checkpoint` file: 4 KiB of big-endian longs.
 *
 *   @0  physicMsgTimestamp   store time of the last flushed CommitLog record   (RocketMQ)
 *   @8  logicsMsgTimestamp   store time of the last record with durable CQ entries
 *   @16 indexMsgTimestamp    same for the index
 *   @24 masterFlushedOffset  CommitLog durable up to here                      (RocketMQ 5)
 *   @32 confirmPhyOffset     end of valid CommitLog data at the last clean shutdown
 *   @40 logicsPhyOffset      (rocketmq-c) CQ entries are durable for records below this
 *   @48 indexPhyOffset       (rocketmq-c) same for index entries
 *   @56 magic "RMQC" + int version 1: the rocketmq-c fields are valid
 *
 * RocketMQ recovers by timestamps; we keep its fields filled so operators read familiar values,
 * and recover by the exact offsets at @40/@48. A checkpoint without our magic (an Apache
 * RocketMQ store) makes recovery rebuild every queue from the start of the CommitLog.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mq/rd.h"
#include "store_int.h"

#define STORE_CKPT_MAGIC 0x524D5143u /* "RMQC" */

int
store_ckpt_read(const char *path, store_ckpt_t *c)
{
    uint8_t buf[64];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    memset(c, 0, sizeof(*c));
    if (fd < 0)
        return errno == ENOENT ? MQ_ENOENT : MQ_EIO;
    n = pread(fd, buf, sizeof(buf), 0);
    close(fd);
    if (n < 40)
        return MQ_ECORRUPT;
    c->physic_ts = (int64_t)mq_load_be64(buf);
    c->logics_ts = (int64_t)mq_load_be64(buf + 8);
    c->index_ts = (int64_t)mq_load_be64(buf + 16);
    c->flushed_phys = (int64_t)mq_load_be64(buf + 24);
    c->confirm_phys = (int64_t)mq_load_be64(buf + 32);
    if (n >= 64 && mq_load_be32(buf + 56) == STORE_CKPT_MAGIC && mq_load_be32(buf + 60) == 1) {
        c->logics_phys = (int64_t)mq_load_be64(buf + 40);
        c->index_phys = (int64_t)mq_load_be64(buf + 48);
        c->valid_ext = c->logics_phys >= 0 && c->index_phys >= 0 && c->flushed_phys >= 0;
    }
    return MQ_OK;
}

int
store_ckpt_write(int fd, const store_ckpt_t *c)
{
    uint8_t buf[STORE_CKPT_SIZE];
    memset(buf, 0, sizeof(buf));
    mq_store_be64(buf, (uint64_t)c->physic_ts);
    mq_store_be64(buf + 8, (uint64_t)c->logics_ts);
    mq_store_be64(buf + 16, (uint64_t)c->index_ts);
    mq_store_be64(buf + 24, (uint64_t)c->flushed_phys);
    mq_store_be64(buf + 32, (uint64_t)c->confirm_phys);
    mq_store_be64(buf + 40, (uint64_t)c->logics_phys);
    mq_store_be64(buf + 48, (uint64_t)c->index_phys);
    mq_store_be32(buf + 56, STORE_CKPT_MAGIC);
    mq_store_be32(buf + 60, 1);
    if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
        return MQ_EIO;
    return fdatasync(fd) == 0 ? MQ_OK : MQ_EIO;
}
