// SPDX-License-Identifier: GPL-2.0-only
/*
 * A session's relay channel: one buffer per CPU, each exposed as a file
 * fathom/<session>/cpuN in debugfs, carrying the records of
 * uapi/linux/fathom_record.h.
 *
 * Writing. fathom_relay_emit() runs in probe context on the local CPU's
 * buffer. It builds the whole record in a per-CPU scratch area and hands it
 * to __relay_write() with interrupts off. __relay_write() copies first and
 * advances the buffer's write offset afterwards, whereas relay_reserve()
 * advances the offset first: read() on a relay file returns everything up
 * to that offset, including the current sub-buffer, so with
 * relay_reserve() a reader running on another CPU could copy a record that
 * was reserved but not yet filled in. Interrupts are off because relay
 * does no locking of its own: a probe hit from an interrupt on the same CPU
 * would otherwise interleave with the interrupted write.
 *
 * Sub-buffers. relay calls subbuf_start() whenever a CPU's buffer moves to
 * a new sub-buffer (and once when the buffer is created). It writes the
 * FATHOM_REC_SUBBUF record that opens every sub-buffer, with the CPU's
 * cumulative lost count and sub-buffer sequence number. In stream mode it
 * refuses to move into a sub-buffer user space has not read yet
 * (relay_buf_full()), which makes relay drop the write; emit notices the
 * refusal and counts the record as lost. In flight-recorder mode it never
 * refuses and the oldest sub-buffer is overwritten.
 *
 * Loss accounting. Each CPU counts its own losses (full buffer, record too
 * big, no buffer) with interrupts off, so the counters need no atomics.
 * The count reaches user space in the next sub-buffer's header and, exact,
 * through fathom_relay_lost().
 *
 * CPU hotplug. relay creates the buffer of a CPU that comes online after
 * relay_open() from its CPUHP_RELAY_PREPARE callback (relay_prepare_cpu(),
 * 4.10 and later), before the CPU runs anything, and calls our
 * create_buf_file() for it; if that fails, the CPU does not come online.
 * A CPU that goes offline keeps its buffer. Emit nevertheless checks that
 * its CPU has a buffer and counts a loss if not, rather than trusting
 * relay_reserve()-style code to find one.
 *
 * Files. The buffer files are debugfs files with relay's own file
 * operations minus mmap: a read-only debugfs file without mmap or ioctl
 * stays readable under kernel lockdown, where debugfs refuses to open
 * anything else. Without debugfs at all, fathom_relay_open() fails with
 * -ENODEV.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/fathom_record.h>

#include "compat/relay.h"
#include "relay.h"

/* The record that opens every sub-buffer. */
struct subbuf_rec {
	struct fathom_record_hdr hdr;
	struct fathom_subbuf_info info;
};

/**
 * struct relay_cpu - one CPU's side of a channel
 * @buf: its relay buffer, set by create_buf_file(); NULL if it has none
 * @lost: records dropped on this CPU (cumulative)
 * @seq: sub-buffers started on this CPU
 * @refused: times subbuf_start() refused a new sub-buffer (stream mode)
 *
 * Written only by the CPU itself with interrupts off, or by relay while
 * it sets the buffer up, before the CPU can write to it.
 */
struct relay_cpu {
	struct rchan_buf *buf;
	u64 lost;
	u64 seq;
	u64 refused;
};

/**
 * struct fathom_relay - a session's channel
 * @chan: the relay channel
 * @dir: debugfs directory holding the cpuN files
 * @cpu: per-CPU state
 * @max_rec: largest record accepted, header included
 * @flight: overwrite instead of dropping
 * @path: the directory below the debugfs mount ("fathom/<name>")
 */
struct fathom_relay {
	struct rchan *chan;
	struct dentry *dir;
	struct relay_cpu __percpu *cpu;
	u32 max_rec;
	bool flight;
	char path[];
};

#define FATHOM_RELAY_ROOT "fathom"

static struct dentry *root;
/* Per-CPU FATHOM_RELAY_RECORD_MAX bytes where emit builds a record. */
static void __percpu *scratch;

/* Which CPU does @buf belong to? */
static notrace int buf_cpu(struct fathom_relay *relay, struct rchan_buf *buf)
{
	unsigned int cpu = raw_smp_processor_id();

	/* From emit: the buffer is this CPU's own. */
	if (per_cpu_ptr(relay->cpu, cpu)->buf == buf)
		return cpu;
	/* From relay_open(), hotplug or a flush: process context, any CPU. */
	for_each_possible_cpu(cpu)
		if (per_cpu_ptr(relay->cpu, cpu)->buf == buf)
			return cpu;
	return -1;
}

NOKPROBE_SYMBOL(buf_cpu);

/*
 * Called by relay when @buf moves to the sub-buffer @subbuf: from emit,
 * with interrupts off on the buffer's CPU; from a flush, in an IPI on that
 * CPU; or from relay_open()/hotplug before the buffer is in use.
 */
static notrace int subbuf_start(struct rchan_buf *buf, void *subbuf,
				void *prev_subbuf, size_t prev_padding)
{
	struct fathom_relay *relay = buf->chan->private_data;
	struct subbuf_rec *rec = subbuf;
	struct relay_cpu *rc;
	int cpu;

	cpu = buf_cpu(relay, buf);
	if (WARN_ON_ONCE(cpu < 0))
		return 0;
	rc = per_cpu_ptr(relay->cpu, cpu);

	if (!relay->flight && relay_buf_full(buf)) {
		WRITE_ONCE(rc->refused, rc->refused + 1);
		return 0;
	}

	WRITE_ONCE(rc->seq, rc->seq + 1);
	rec->hdr.len = sizeof(*rec);
	rec->hdr.kind = FATHOM_REC_SUBBUF;
	rec->hdr.cpu = cpu;
	rec->hdr.ts = ktime_get_mono_fast_ns();
	rec->info.lost = READ_ONCE(rc->lost);
	rec->info.seq = rc->seq;
	subbuf_start_reserve(buf, sizeof(*rec));
	return 1;
}

NOKPROBE_SYMBOL(subbuf_start);

/*
 * relay's file operations for our debugfs files, without mmap (see the
 * comment at the top). .owner pins the module while a file is open.
 */
static int relay_fop_open(struct inode *inode, struct file *file)
{
	return relay_file_operations.open(inode, file);
}

static ssize_t relay_fop_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	return relay_file_operations.read(file, ubuf, count, ppos);
}

static __poll_t relay_fop_poll(struct file *file, poll_table *wait)
{
	return relay_file_operations.poll(file, wait);
}

static int relay_fop_release(struct inode *inode, struct file *file)
{
	return relay_file_operations.release(inode, file);
}

static const struct file_operations relay_fops = {
	.owner		= THIS_MODULE,
	.open		= relay_fop_open,
	.read		= relay_fop_read,
	.poll		= relay_fop_poll,
	.release	= relay_fop_release,
};

/*
 * Called by relay under its channel mutex for each CPU's buffer, from
 * relay_open() and when a CPU comes online. relay names the files
 * "cpu<N>" from the base name fathom_relay_open() passes.
 */
static struct dentry *create_buf_file(const char *filename,
				      struct dentry *parent, umode_t mode,
				      struct rchan_buf *buf, int *is_global)
{
	struct fathom_relay *relay = buf->chan->private_data;
	struct dentry *dentry;
	unsigned int cpu;

	if (strncmp(filename, "cpu", 3) || kstrtouint(filename + 3, 10, &cpu) ||
	    cpu >= nr_cpu_ids)
		return NULL;
	dentry = debugfs_create_file(filename, mode, parent, buf, &relay_fops);
	if (IS_ERR_OR_NULL(dentry))
		return NULL;
	WRITE_ONCE(per_cpu_ptr(relay->cpu, cpu)->buf, buf);
	return dentry;
}

static int remove_buf_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

static __fathom_relay_cb struct rchan_callbacks relay_callbacks = {
	.subbuf_start		= subbuf_start,
	.create_buf_file	= create_buf_file,
	.remove_buf_file	= remove_buf_file,
};

/**
 * fathom_relay_open() - create the channel and its per-CPU files
 * @name: directory name, unique per session ("session-<id>")
 * @subbuf_size: bytes per sub-buffer
 * @n_subbufs: sub-buffers per CPU
 * @flight: overwrite the oldest records instead of dropping new ones
 *
 * Creates fathom/@name/cpuN in debugfs, one file per possible CPU that is
 * online now or comes online later, readable by root only.
 *
 * Process context. Return: the channel, or an ERR_PTR(): -ENODEV without
 * debugfs, -EEXIST if @name is taken, -EINVAL for a geometry relay cannot
 * hold, -ENOMEM.
 */
struct fathom_relay *fathom_relay_open(const char *name, u32 subbuf_size,
				       u32 n_subbufs, bool flight)
{
	struct fathom_relay *relay;
	size_t path_size;
	int ret;

	if (IS_ERR_OR_NULL(root))
		return ERR_PTR(-ENODEV);
	if (!*name || strchr(name, '/'))
		return ERR_PTR(-EINVAL);
	/* Room for the sub-buffer header and at least one small record. */
	if (subbuf_size < 2 * sizeof(struct subbuf_rec) || n_subbufs < 2 ||
	    subbuf_size > U32_MAX / n_subbufs)
		return ERR_PTR(-EINVAL);

	path_size = sizeof(FATHOM_RELAY_ROOT "/") + strlen(name);
	relay = kzalloc(struct_size(relay, path, path_size), GFP_KERNEL);
	if (!relay)
		return ERR_PTR(-ENOMEM);
	snprintf(relay->path, path_size, FATHOM_RELAY_ROOT "/%s", name);
	relay->flight = flight;
	/*
	 * Whole records only: relay silently drops a write that does not
	 * fit in an empty sub-buffer, so emit refuses it first.
	 */
	relay->max_rec = round_down(min_t(u32, FATHOM_RELAY_RECORD_MAX,
					  subbuf_size -
					  sizeof(struct subbuf_rec)), 8);

	relay->cpu = alloc_percpu(struct relay_cpu);
	if (!relay->cpu) {
		ret = -ENOMEM;
		goto out_free_relay;
	}

	relay->dir = debugfs_create_dir(name, root);
	if (IS_ERR_OR_NULL(relay->dir)) {
		ret = relay->dir ? PTR_ERR(relay->dir) : -ENODEV;
		if (ret != -EEXIST && ret != -ENOMEM)
			ret = -ENODEV;
		goto out_free_percpu;
	}

	relay->chan = relay_open("cpu", relay->dir, subbuf_size, n_subbufs,
				 &relay_callbacks, relay);
	if (!relay->chan) {
		ret = -ENOMEM;
		goto out_remove_dir;
	}
	return relay;

out_remove_dir:
	debugfs_remove(relay->dir);
out_free_percpu:
	free_percpu(relay->cpu);
out_free_relay:
	kfree(relay);
	return ERR_PTR(ret);
}

/**
 * fathom_relay_close() - remove the files and free the channel
 * @relay: the channel; no probe may emit into it any more
 *
 * Data not yet read is gone: a reader drains before the session is
 * deleted. A reader still holding a file open gets -EIO from then on.
 * Process context.
 */
void fathom_relay_close(struct fathom_relay *relay)
{
	/* Calls remove_buf_file() for every buffer. */
	relay_close(relay->chan);
	debugfs_remove(relay->dir);
	free_percpu(relay->cpu);
	kfree(relay);
}

static notrace void count_lost(struct relay_cpu *rc)
{
	WRITE_ONCE(rc->lost, rc->lost + 1);
}

NOKPROBE_SYMBOL(count_lost);

/**
 * fathom_relay_emit() - write one record on this CPU
 * @relay: the channel
 * @kind: enum fathom_record_kind
 * @data: payload
 * @len: payload bytes
 *
 * The record is @len bytes after a struct fathom_record_hdr, zero-padded
 * to a multiple of 8. Probe context: preemption disabled, never in NMI.
 * Bounded work, no locks, no allocation.
 *
 * Return: 0; -ENOSPC when the buffer was full (stream mode) or this CPU
 * has no buffer; -E2BIG when the record cannot fit in a sub-buffer. A
 * refused record is counted as lost.
 */
notrace int fathom_relay_emit(struct fathom_relay *relay, u16 kind,
			      const void *data, u32 len)
{
	struct relay_cpu *rc = this_cpu_ptr(relay->cpu);
	struct fathom_record_hdr *hdr;
	unsigned long flags;
	u32 rec_len;
	u64 refused;
	int ret = 0;

	local_irq_save(flags);
	if (len > relay->max_rec - sizeof(*hdr)) {
		ret = -E2BIG;
		goto out_lost;
	}
	if (unlikely(!rc->buf)) {
		ret = -ENOSPC;
		goto out_lost;
	}

	rec_len = ALIGN(sizeof(*hdr) + len, 8);
	hdr = this_cpu_ptr(scratch);
	hdr->len = rec_len;
	hdr->kind = kind;
	hdr->cpu = smp_processor_id();
	/* Taken with interrupts off: a CPU's records are in ts order. */
	hdr->ts = ktime_get_mono_fast_ns();
	memcpy(hdr + 1, data, len);
	memset((u8 *)(hdr + 1) + len, 0, rec_len - sizeof(*hdr) - len);

	/*
	 * In stream mode a full buffer makes subbuf_start() refuse the next
	 * sub-buffer, and relay writes nothing.
	 */
	refused = rc->refused;
	__relay_write(relay->chan, hdr, rec_len);
	if (rc->refused != refused) {
		ret = -ENOSPC;
		goto out_lost;
	}
	local_irq_restore(flags);
	return 0;

out_lost:
	count_lost(rc);
	local_irq_restore(flags);
	return ret;
}

NOKPROBE_SYMBOL(fathom_relay_emit);

/**
 * fathom_relay_lost() - records dropped, all CPUs
 * @relay: the channel
 *
 * Exact once the session is stopped; while it runs, a snapshot.
 * Return: the number of records emit refused since the channel was opened.
 */
u64 fathom_relay_lost(struct fathom_relay *relay)
{
	unsigned int cpu;
	u64 lost = 0;

	for_each_possible_cpu(cpu)
		lost += READ_ONCE(per_cpu_ptr(relay->cpu, cpu)->lost);
	return lost;
}

/**
 * fathom_relay_dir() - the directory holding the cpuN files
 * @relay: the channel
 *
 * Return: the path below the debugfs mount point, "fathom/<name>"; valid
 * until fathom_relay_close().
 */
const char *fathom_relay_dir(struct fathom_relay *relay)
{
	return relay->path;
}

/* IPI on each online CPU: the local buffer is ours with interrupts off. */
static void flush_local(void *info)
{
	struct fathom_relay *relay = info;
	struct rchan_buf *buf = this_cpu_ptr(relay->cpu)->buf;

	if (buf)
		relay_switch_subbuf(buf, 0);
}

/**
 * fathom_relay_flush() - push partially filled sub-buffers to readers
 * @relay: the channel
 *
 * Closes each online CPU's current sub-buffer and starts a new one, whose
 * header carries the CPU's current lost count; poll() then reports the
 * data. read() returns the data of a partial sub-buffer anyway, so this is
 * for waking pollers and for publishing the final lost counts when a
 * session stops. Unlike relay_flush(), which switches every CPU's buffer
 * from the calling CPU and so races with probes writing to them, each CPU
 * switches its own buffer in an IPI, which makes this safe while probes
 * run. A flight-recorder channel is left alone: a switch would overwrite
 * its oldest sub-buffer.
 *
 * Process context, interrupts enabled.
 */
void fathom_relay_flush(struct fathom_relay *relay)
{
	if (relay->flight)
		return;
	on_each_cpu(flush_local, relay, 1);
}

/**
 * fathom_relay_snapshot() - flight recorder: make the buffers readable
 * @relay: the channel
 *
 * Process context; the session is stopped first, so the buffers no longer
 * change while user space reads them. Nothing has to move: read() on a
 * cpuN file of an overwriting channel skips to the oldest sub-buffer still
 * held and returns, in order, every complete sub-buffer held and then the
 * current, partial one, each starting with its FATHOM_REC_SUBBUF header.
 * Reading consumes: the ring can be read once. A stream channel is
 * flushed (fathom_relay_flush()).
 *
 * Return: 0.
 */
int fathom_relay_snapshot(struct fathom_relay *relay)
{
	fathom_relay_flush(relay);
	return 0;
}

/**
 * fathom_relay_init() - create the "fathom" debugfs directory
 *
 * A kernel without debugfs, or booted with debugfs=off, keeps the module
 * loadable: sessions then fail to open their channel with -ENODEV.
 *
 * Return: 0, or -ENOMEM when the scratch area cannot be allocated.
 */
int __init fathom_relay_init(void)
{
	scratch = __alloc_percpu(FATHOM_RELAY_RECORD_MAX,
				 __alignof__(struct fathom_record_hdr));
	if (!scratch)
		return -ENOMEM;
	root = debugfs_create_dir(FATHOM_RELAY_ROOT, NULL);
	if (IS_ERR_OR_NULL(root))
		pr_info("no debugfs (%ld): relay output is unavailable\n",
			root ? PTR_ERR(root) : -ENODEV);
	return 0;
}

/**
 * fathom_relay_uninit() - remove the "fathom" debugfs directory
 *
 * Every channel is closed by then.
 */
void fathom_relay_uninit(void)
{
	if (!IS_ERR_OR_NULL(root))
		debugfs_remove(root);
	free_percpu(scratch);
}
