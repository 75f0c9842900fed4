/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Collect: kernel messages of every level from /dev/kmsg. The printk:console tracepoint may see
 * only what reaches a console (KERN_ERR and above at the usual console_loglevel 4; it depends on
 * the kernel's console setup), its filter knows a few prefixes ("critical space allocation error,
 * dev loop0" is none of them), and the messages that say data was lost are warnings: "EXT4-fs warning ... I/O error 3 writing to inode",
 * "potential data loss!", "Buffer I/O error ... lost async page write".
 *
 * The reader starts at the end of the log, so only the run's messages count; keeps the lines of
 * filesystems, the block layer and the audit/AppArmor subsystems; leaves to printk:console the
 * ones it delivers (with the task that printed them), and folds a text repeated within 2 s. Its
 * records are REC_KMSG with pid 0 and no comm (the log does not say who printed), and with dev
 * when the text names a block device ("(device loop0)", "dev loop0,").
 *
 * Times: /dev/kmsg stamps in microseconds of the kernel's local clock, the CLOCK_MONOTONIC base;
 * they are moved to the CLOCK_BOOTTIME base of the events by the difference of the two clocks at
 * read time (equal unless the machine slept), and never later than the read.
 */
#ifndef FSTRACE_KMSG_H
#define FSTRACE_KMSG_H

#include <stdbool.h>
#include <stdint.h>
#include "recording/record.h"

struct kmsg_reader;
typedef void (*kmsg_emit_fn)(const struct record *r, void *ctx);

/* NULL when /dev/kmsg cannot be read (no root, no such device): then only printk:console counts.
 * console: printk:console is attached and delivers what reaches a console. */
struct kmsg_reader *kmsg_open(bool console, kmsg_emit_fn emit, void *ctx);
/* Reads what is there without waiting, emitting the lines worth keeping. */
void kmsg_pump(struct kmsg_reader *k);
/* A kernel message printk:console delivered: the same text from the log is not emitted again.
 * True when the reader emitted it already (it read the log first): then drop this one. */
bool kmsg_seen(struct kmsg_reader *k, const struct record *r);
/* Messages dropped past the per-run bound. */
uint64_t kmsg_dropped(const struct kmsg_reader *k);
void kmsg_close(struct kmsg_reader *k);

/* The block device a message names, from /sys/class/block/<name>/dev; false when none. */
bool kmsg_device(const char *text, uint32_t *major, uint32_t *minor);

#endif
