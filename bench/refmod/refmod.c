// SPDX-License-Identifier: GPL-2.0-only
/*
 * fathom_bench_ref: the floors fathom's per-event overhead is measured
 * against. A per-CPU counter incremented from a bare kprobe pre-handler
 * (mode=kprobe) or from a bare ftrace_ops callback (mode=ftrace) on one
 * function; the count is printed at unload so a run can check the probe
 * really fired. Built and loaded only by bench/run-guest.
 */
#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>

static char *sym = "__x64_sys_getppid";
module_param(sym, charp, 0444);
MODULE_PARM_DESC(sym, "function to probe");

static char *mode = "kprobe";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "kprobe or ftrace");

static DEFINE_PER_CPU(u64, hits);

static int ref_pre(struct kprobe *kp, struct pt_regs *regs)
{
	this_cpu_inc(hits);
	return 0;
}

static struct kprobe ref_kp = {
	.pre_handler = ref_pre,
};

static void notrace ref_ftrace(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	this_cpu_inc(hits);
}

static struct ftrace_ops ref_ops = {
	.func = ref_ftrace,
};

static bool use_ftrace;

static int __init ref_init(void)
{
	int ret;

	use_ftrace = !strcmp(mode, "ftrace");
	if (use_ftrace) {
		ret = ftrace_set_filter(&ref_ops, sym, strlen(sym), 1);
		if (ret)
			return ret;
		ret = register_ftrace_function(&ref_ops);
		if (ret)
			ftrace_free_filter(&ref_ops);
		return ret;
	}
	if (strcmp(mode, "kprobe"))
		return -EINVAL;
	ref_kp.symbol_name = sym;
	return register_kprobe(&ref_kp);
}

static void __exit ref_exit(void)
{
	u64 total = 0;
	int cpu;

	if (use_ftrace) {
		unregister_ftrace_function(&ref_ops);
		ftrace_free_filter(&ref_ops);
	} else {
		unregister_kprobe(&ref_kp);
	}
	for_each_possible_cpu(cpu)
		total += per_cpu(hits, cpu);
	pr_info("fathom_bench_ref: %s %s hits %llu\n", mode, sym, total);
}

module_init(ref_init);
module_exit(ref_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("fathom benchmark floors: bare kprobe and ftrace_ops");
