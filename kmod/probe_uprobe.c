// SPDX-License-Identifier: GPL-2.0-only
/*
 * uprobes and uretprobes: a breakpoint at a file offset of an executable
 * or a shared library, in every process that maps it, now or later.
 *
 * User space resolves symbols to file offsets (from the ELF file); the
 * module takes the file's absolute path and the offset, and checks at
 * SESSION_CREATE that the file is a regular ELF file and that the offset
 * lies in one of its executable segments, so that a wrong offset is an
 * error with a message rather than a probe that never fires. The file
 * (dentry, mount and inode) stays held from parse to release, as
 * uprobe_register() requires.
 *
 * Handlers run in the probed task, in process context, preemptible;
 * fathom_probe_hit_ctx() disables preemption around the program. With a
 * PID, the handler runs the program only for that thread group, and the
 * consumer's filter keeps breakpoints out of other processes' memory
 * (a forked child of the process inherits them: its first hit removes
 * them). Registration is live, like every other probe: the session's armed
 * flag gates the program.
 */
#include <linux/dcache.h>
#include <linux/elf.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <net/netlink.h>
#include <linux/fathom.h>

#include "compat/uprobe.h"
#include "probe.h"

static struct fathom_probe *probe_of(struct uprobe_consumer *uc)
{
	return container_of(uc, struct fathom_probe, up.uc);
}

/**
 * fathom_uprobe_filter() - may @mm get this probe's breakpoints?
 * @uc: the probe's consumer (installed only for probes with a PID)
 * @mm: an address space that maps the probed file
 *
 * False only for an address space that is certainly not the process's:
 * a wrong "true" costs a filtered hit, a wrong "false" would lose events.
 * Return: whether to install the breakpoints in @mm.
 */
bool fathom_uprobe_filter(struct uprobe_consumer *uc, struct mm_struct *mm)
{
	struct fathom_probe *p = probe_of(uc);
	struct task_struct *task;
	struct mm_struct *task_mm;
	bool ret;

	if (!p->up.pid)
		return true;
	rcu_read_lock();
	task = pid_task(p->up.pid, PIDTYPE_TGID);
	/* no mm: the leader is exiting or has exited; the handler decides */
	task_mm = task ? READ_ONCE(task->mm) : NULL;
	ret = task && (!task_mm || task_mm == mm);
	rcu_read_unlock();
	return ret;
}

NOKPROBE_SYMBOL(fathom_uprobe_filter);

/* Not the probe's process: drop its breakpoints if the mm is not shared. */
static int other_process(struct uprobe_consumer *uc)
{
	return fathom_uprobe_filter(uc, current->mm) ? 0 : UPROBE_HANDLER_REMOVE;
}

/**
 * fathom_uprobe_handler() - the probed instruction is about to run
 * @uc: the probe's consumer
 * @regs: the task's user registers
 *
 * Installed for uprobes, and for uretprobes with a PID (to remove the
 * breakpoints from other processes).
 * Return: 0, or UPROBE_HANDLER_REMOVE for another process's memory.
 */
int fathom_uprobe_handler(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct fathom_probe *p = probe_of(uc);

	if (p->up.pid && task_tgid(current) != p->up.pid)
		return other_process(uc);
	if (p->kind == FATHOM_PROBE_UPROBE)
		fathom_probe_hit_ctx(p, regs, FATHOM_HIT_USER, NULL, 0);
	return 0;
}

NOKPROBE_SYMBOL(fathom_uprobe_handler);

/**
 * fathom_uprobe_ret_handler() - the probed function returns
 * @uc: the probe's consumer
 * @func: the function's entry address
 * @regs: the task's user registers, with the return value
 *
 * Return: 0.
 */
int fathom_uprobe_ret_handler(struct uprobe_consumer *uc, unsigned long func,
			      struct pt_regs *regs)
{
	struct fathom_probe *p = probe_of(uc);

	if (p->up.pid && task_tgid(current) != p->up.pid)
		return 0;
	fathom_probe_hit_ctx(p, regs, FATHOM_HIT_USER | FATHOM_HIT_RETURN, NULL,
			     0);
	return 0;
}

NOKPROBE_SYMBOL(fathom_uprobe_ret_handler);

union any_ehdr {
	unsigned char ident[EI_NIDENT];
	struct elf32_hdr e32;
	struct elf64_hdr e64;
};

union any_phdr {
	struct elf32_phdr p32;
	struct elf64_phdr p64;
};

/* Exactly @len bytes at @pos: 0, -ENODATA when the file is shorter. */
static int read_at(struct file *f, void *buf, size_t len, loff_t pos)
{
	ssize_t n;

	if (pos < 0)
		return -ENODATA;
	n = kernel_read(f, buf, len, &pos);
	if (n < 0)
		return n;
	return n == len ? 0 : -ENODATA;
}

/*
 * Is @off in an executable PT_LOAD segment of the ELF file @f? The program
 * headers are read one at a time: at most 65535, from the page cache.
 */
static int check_elf(struct file *f, u64 off, struct nlattr *attr,
		     struct netlink_ext_ack *extack)
{
	union any_ehdr eh;
	union any_phdr ph;
	unsigned int i, nr, entsize;
	u64 phoff, start, size;
	u32 type, flags;
	bool is64;
	int ret;

	ret = read_at(f, &eh, sizeof(eh), 0);
	if (ret && ret != -ENODATA) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "cannot read the uprobe file");
		return ret;
	}
	if (ret || memcmp(eh.ident, ELFMAG, SELFMAG) ||
	    (eh.ident[EI_CLASS] != ELFCLASS64 &&
	     eh.ident[EI_CLASS] != ELFCLASS32) ||
	    eh.ident[EI_DATA] != ELF_DATA) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "uprobe file is not an ELF file (of this machine's byte order)");
		return -ENOEXEC;
	}
	is64 = eh.ident[EI_CLASS] == ELFCLASS64;
	phoff = is64 ? eh.e64.e_phoff : eh.e32.e_phoff;
	nr = is64 ? eh.e64.e_phnum : eh.e32.e_phnum;
	entsize = is64 ? eh.e64.e_phentsize : eh.e32.e_phentsize;
	if (entsize != (is64 ? sizeof(struct elf64_phdr) :
				sizeof(struct elf32_phdr)))
		goto bad_table;
	for (i = 0; i < nr; i++) {
		if (read_at(f, &ph, entsize, phoff + (u64)i * entsize))
			goto bad_table;
		type = is64 ? ph.p64.p_type : ph.p32.p_type;
		flags = is64 ? ph.p64.p_flags : ph.p32.p_flags;
		start = is64 ? ph.p64.p_offset : ph.p32.p_offset;
		size = is64 ? ph.p64.p_filesz : ph.p32.p_filesz;
		if (type == PT_LOAD && (flags & PF_X) && off >= start &&
		    off - start < size)
			return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "uprobe offset is not in an executable segment of the file");
	return -EINVAL;

bad_table:
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "uprobe file has a truncated or malformed ELF program header table");
	return -ENOEXEC;
}

/* The file at @path, for a probe at p->offset: checks, then pins it. */
static int take_file(struct fathom_probe *p, const struct path *path,
		     struct nlattr **tb, struct netlink_ext_ack *extack)
{
	struct nlattr *upath = tb[FATHOM_A_PROBE_UPATH];
	struct nlattr *off = tb[FATHOM_A_PROBE_OFFSET] ?: upath;
	struct inode *inode;
	struct file *f;
	loff_t size;
	int ret;

	if (!d_is_reg(path->dentry)) {
		NL_SET_ERR_MSG_ATTR(extack, upath,
				    "uprobe path is not a regular file");
		return -EINVAL;
	}
	inode = d_real_inode(path->dentry);
	size = i_size_read(inode);
	if (p->offset >= size) {
		NL_SET_ERR_MSG_ATTR(extack, off,
				    "uprobe offset is beyond the end of the file");
		return -EINVAL;
	}
	if (p->up.ref_ctr_offset &&
	    (p->up.ref_ctr_offset >= size ||
	     !IS_ALIGNED(p->up.ref_ctr_offset, sizeof(short)))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FATHOM_A_PROBE_REF_CTR_OFFSET],
				    "uprobe semaphore offset is beyond the end of the file or not 2-byte aligned");
		return -EINVAL;
	}

	f = dentry_open(path, O_RDONLY, current_cred());
	if (IS_ERR(f)) {
		NL_SET_ERR_MSG_ATTR(extack, upath,
				    "cannot open the uprobe file for reading");
		return PTR_ERR(f);
	}
	ret = check_elf(f, p->offset, off, extack);
	fput(f);
	if (ret)
		return ret;

	p->up.inode = igrab(inode);
	if (!p->up.inode)
		return -ESTALE;
	/*
	 * Hold the dentry too: file systems that drop unused dentries (9p
	 * without a cache) would give the next exec of the file a new inode,
	 * one without the probe.
	 */
	path_get(path);
	p->up.file = *path;
	return 0;
}

/* PID: a process (thread group) that exists in the caller's namespace. */
static int take_pid(struct fathom_probe *p, struct nlattr *a,
		    struct netlink_ext_ack *extack)
{
	struct pid *pid = find_get_pid(nla_get_u32(a));
	bool found;

	rcu_read_lock();
	found = pid && pid_task(pid, PIDTYPE_TGID);
	rcu_read_unlock();
	if (!found) {
		put_pid(pid);
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "no such process (PID must name a process, not a thread)");
		return -ESRCH;
	}
	p->up.pid = pid;
	return 0;
}

static const int unused_attrs[] = {
	FATHOM_A_PROBE_SYMBOL,
	FATHOM_A_PROBE_ADDR,
	FATHOM_A_PROBE_MAXACTIVE,
	FATHOM_A_PROBE_TP_SYSTEM,
	FATHOM_A_PROBE_TP_NAME,
	FATHOM_A_PROBE_PERIOD_NS,
};

static int uprobe_parse(struct fathom_probe *p, struct nlattr **tb,
			struct netlink_ext_ack *extack)
{
	struct nlattr *upath = tb[FATHOM_A_PROBE_UPATH];
	struct path path;
	unsigned int i;
	int ret;

	p->path = p->kind == FATHOM_PROBE_URETPROBE ?
		  FATHOM_PROBE_PATH_URETPROBE : FATHOM_PROBE_PATH_UPROBE;
	for (i = 0; i < ARRAY_SIZE(unused_attrs); i++) {
		if (tb[unused_attrs[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[unused_attrs[i]],
					    "a uprobe takes UPATH, OFFSET, PID and REF_CTR_OFFSET only");
			return -EINVAL;
		}
	}
	if (!upath || *(const char *)nla_data(upath) != '/') {
		NL_SET_ERR_MSG_ATTR(extack, upath ?: tb[FATHOM_A_PROBE_KIND],
				    "a uprobe needs the absolute path of its file");
		return -EINVAL;
	}
	if (tb[FATHOM_A_PROBE_OFFSET])
		p->offset = nla_get_u64(tb[FATHOM_A_PROBE_OFFSET]);
	if (tb[FATHOM_A_PROBE_REF_CTR_OFFSET])
		p->up.ref_ctr_offset =
			nla_get_u64(tb[FATHOM_A_PROBE_REF_CTR_OFFSET]);
	if (tb[FATHOM_A_PROBE_PID]) {
		ret = take_pid(p, tb[FATHOM_A_PROBE_PID], extack);
		if (ret)
			return ret;
	}

	ret = kern_path(nla_data(upath), LOOKUP_FOLLOW, &path);
	if (ret == -ENOENT) {
		NL_SET_ERR_MSG_ATTR(extack, upath, "uprobe file not found");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG_ATTR(extack, upath,
				    "cannot look up the uprobe file");
		return ret;
	}
	ret = take_file(p, &path, tb, extack);
	path_put(&path);
	return ret;
}

/* Copes with a probe that parse left half done, or never saw. */
static void uprobe_release(struct fathom_probe *p)
{
	iput(p->up.inode);
	p->up.inode = NULL;
	if (p->up.file.dentry)
		path_put(&p->up.file);
	p->up.file.dentry = NULL;
	p->up.file.mnt = NULL;
	put_pid(p->up.pid);
	p->up.pid = NULL;
}

static void uprobe_detach(struct fathom_probe **probes, unsigned int n)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < n; i++) {
		struct fathom_probe *p = probes[i];

		if (!p->attached)
			continue;
		fathom_uprobe_unregister_nosync(p->up.inode, p->offset,
						&p->up.uc, p->up.uprobe);
		any = true;
	}
	/* one wait for the batch: no handler of these probes runs after */
	if (any)
		fathom_uprobe_unregister_sync();
	for (i = 0; i < n; i++) {
		probes[i]->attached = false;
		probes[i]->up.uprobe = NULL;
	}
}

static int uprobe_attach(struct fathom_probe **probes, unsigned int n,
			 unsigned int *failed)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		struct fathom_probe *p = probes[i];
		bool ret_probe = p->kind == FATHOM_PROBE_URETPROBE;
		bool pid = p->up.pid;

		/* registration writes into the consumer: fill it afresh */
		fathom_uprobe_consumer_init(&p->up.uc, !ret_probe || pid,
					    ret_probe, pid);
		ret = fathom_uprobe_register(p->up.inode, p->offset,
					     p->up.ref_ctr_offset, &p->up.uc,
					     &p->up.uprobe);
		if (ret) {
			*failed = i;
			uprobe_detach(probes, i);
			return ret;
		}
		p->attached = true;
	}
	return 0;
}

const struct fathom_probe_ops fathom_uprobe_ops = {
	.kind		= FATHOM_PROBE_UPROBE,
	.parse		= uprobe_parse,
	.release	= uprobe_release,
	.attach		= uprobe_attach,
	.detach		= uprobe_detach,
};

const struct fathom_probe_ops fathom_uretprobe_ops = {
	.kind		= FATHOM_PROBE_URETPROBE,
	.parse		= uprobe_parse,
	.release	= uprobe_release,
	.attach		= uprobe_attach,
	.detach		= uprobe_detach,
};
