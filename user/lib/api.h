/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Typed calls of the fathom module's commands, one per FATHOM_CMD_*.
 */
#ifndef _FATHOM_USER_API_H
#define _FATHOM_USER_API_H

#include <stdint.h>

#include "nl.h"

struct fathom_limits_info {
	uint32_t max_insns;
	uint32_t stack_size;
	uint32_t max_sessions;
	uint32_t max_probes;
	uint32_t max_maps;
	uint32_t max_map_entries;
	uint32_t max_str_size;
	uint32_t max_stack_depth;
	uint32_t relay_subbuf_size;
	uint32_t relay_n_subbufs;
};

struct fathom_info {
	uint32_t abi_version;
	char module_version[64];
	char kernel_release[65];
	uint64_t kernel_features;
	struct fathom_limits_info limits;
};

/**
 * fathom_get_info() - FATHOM_CMD_GET_INFO
 * @nl: open handle
 * @info: filled on success
 *
 * Return: 0 or a negative errno (see @nl->errmsg); -EPROTO when the reply
 * lacks a mandatory attribute.
 */
int fathom_get_info(struct fathom_nl *nl, struct fathom_info *info);

/**
 * fathom_kfeat_name() - the name of one FATHOM_KFEAT_* bit
 * @bit: bit number
 *
 * Return: a short name, or NULL for a bit this tool does not know.
 */
const char *fathom_kfeat_name(unsigned int bit);

struct fathom_insn;

/* What SESSION_CREATE takes: see uapi/linux/fathom.h for each field. */
struct fathom_prog_spec {
	const struct fathom_insn *insns;
	uint32_t len; /* instructions */
	const char *name;
};

struct fathom_map_spec {
	uint32_t kind; /* enum fathom_map_kind */
	uint32_t key_size;
	uint32_t value_size; /* HASH only */
	uint32_t max_entries;
	int64_t lhist_min, lhist_max, lhist_step;
	const char *name;
};

struct fathom_probe_spec {
	uint32_t kind; /* enum fathom_probe_kind */
	const char *symbol;
	uint64_t offset;
	uint64_t addr;
	uint32_t prog;
	uint32_t maxactive;
	uint32_t id;
	uint32_t flags;
	/* TRACEPOINT */
	const char *tp_system;
	const char *tp_name;
	/* UPROBE, URETPROBE: file and file offset (@offset) */
	const char *upath;
	uint64_t ref_ctr_offset;
	uint32_t pid; /* 0: every process */
	/* INTERVAL, PROFILE */
	uint64_t period_ns;
};

struct fathom_session_spec {
	const struct fathom_prog_spec *progs;
	uint32_t nr_progs;
	const struct fathom_map_spec *maps;
	uint32_t nr_maps;
	const struct fathom_probe_spec *probes;
	uint32_t nr_probes;
	uint32_t mode;	       /* 0: default (stream) */
	uint32_t subbuf_size;  /* 0: module default */
	uint32_t n_subbufs;    /* 0: module default */
	uint32_t overload_pct; /* 0: module default (overload_pct) */
	uint32_t deadman_ms;   /* 0: module default (deadman_ms) */
	int no_deadman;	       /* never stop for silence */
	int no_local_verify;   /* leave verification to the module (tests) */
};

/* What SESSION_CREATE answered; on failure, the details it gave. */
struct fathom_create_result {
	uint32_t session_id;
	char relay_dir[256];
	int verifier_prog; /* -1 unless a program was rejected */
	int verifier_insn;
	char verifier_log[256];
	int failed_probe; /* -1 unless a probe could not be attached */
};

/**
 * fathom_session_create() - FATHOM_CMD_SESSION_CREATE
 * @nl: open handle
 * @spec: programs, maps, probes, options
 * @res: the new session, or why there is none
 *
 * Return: 0 or a negative errno (see @nl->errmsg and @res).
 */
int fathom_session_create(struct fathom_nl *nl,
			  const struct fathom_session_spec *spec,
			  struct fathom_create_result *res);

/* FATHOM_CMD_SESSION_START / STOP / DESTROY / SNAPSHOT of one session. */
int fathom_session_cmd(struct fathom_nl *nl, uint8_t cmd, uint32_t id);

struct fathom_session_stats {
	uint64_t hits;
	uint64_t drop_recursion;
	uint64_t drop_nmi;
	uint64_t drop_map_full;
	uint64_t drop_relay;
	uint64_t drop_stack;
	uint64_t prog_errors;
	uint64_t runtime_ns;
};

struct fathom_probe_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t drops; /* hits refused: the CPU was inside a hit */
	uint32_t path;	/* enum fathom_probe_path */
};

struct fathom_prog_stats {
	uint64_t runs;
	uint64_t errors;
};

struct fathom_session_info {
	uint32_t id;
	uint32_t state;
	uint32_t stop_reason;
	uint32_t mode;
	uint32_t owner_pid;
	uint32_t overload_pct;
	uint32_t deadman_ms;
	char relay_dir[256];
	struct fathom_session_stats stats;
	uint32_t nr_probes;
	struct fathom_probe_stats *probes; /* malloc'd, SESSION_GET only */
	uint32_t nr_progs;
	struct fathom_prog_stats *progs; /* malloc'd, SESSION_GET only */
};

/**
 * fathom_session_get() - FATHOM_CMD_SESSION_GET
 * @nl: open handle
 * @id: session
 * @info: filled; release with fathom_session_info_free()
 *
 * Return: 0 or a negative errno.
 */
int fathom_session_get(struct fathom_nl *nl, uint32_t id,
		       struct fathom_session_info *info);
void fathom_session_info_free(struct fathom_session_info *info);

/**
 * fathom_session_list() - FATHOM_CMD_SESSION_LIST dump
 * @nl: open handle
 * @cb: called for each session (no per-probe stats)
 * @arg: passed to @cb
 *
 * Return: 0 or a negative errno.
 */
int fathom_session_list(struct fathom_nl *nl,
			void (*cb)(const struct fathom_session_info *info,
				   void *arg),
			void *arg);

/* One map entry of a dump; @cpu is UINT32_MAX for shared maps. */
typedef void (*fathom_map_entry_fn)(uint32_t cpu, const void *key,
				    uint32_t key_size, const void *value,
				    uint32_t value_size, void *arg);

/**
 * fathom_map_dump() - FATHOM_CMD_MAP_DUMP: every entry, per CPU
 * @nl: open handle
 * @session: session id
 * @map: map id (1-based)
 * @cb: called for each entry
 * @arg: passed to @cb
 *
 * Return: 0 or a negative errno.
 */
int fathom_map_dump(struct fathom_nl *nl, uint32_t session, uint32_t map,
		    fathom_map_entry_fn cb, void *arg);

/** fathom_map_clear() - FATHOM_CMD_MAP_CLEAR; @flags FATHOM_MAP_CLEAR_F_* */
int fathom_map_clear(struct fathom_nl *nl, uint32_t session, uint32_t map,
		     uint32_t flags);

#endif /* _FATHOM_USER_API_H */
