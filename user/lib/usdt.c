// SPDX-License-Identifier: GPL-2.0-only
/*
 * USDT notes and their argument strings (see usdt.h for the format).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfsyms.h"
#include "usdt.h"

#define NT_STAPSDT 3

/* ---- registers ---- */

/* x86-64 struct pt_regs, in 8-byte slots (arch/x86/include/asm/ptrace.h) */
enum {
	PT_R15,
	PT_R14,
	PT_R13,
	PT_R12,
	PT_BP,
	PT_BX,
	PT_R11,
	PT_R10,
	PT_R9,
	PT_R8,
	PT_AX,
	PT_CX,
	PT_DX,
	PT_SI,
	PT_DI,
	PT_ORIG_AX,
	PT_IP,
	PT_CS,
	PT_FLAGS,
	PT_SP,
	PT_SS,
};

/* a register's names by width: 8, 4, 2 and 1 bytes */
static const struct {
	int slot;
	const char *names[4];
} regs[] = {
	{ PT_AX, { "rax", "eax", "ax", "al" } },
	{ PT_BX, { "rbx", "ebx", "bx", "bl" } },
	{ PT_CX, { "rcx", "ecx", "cx", "cl" } },
	{ PT_DX, { "rdx", "edx", "dx", "dl" } },
	{ PT_SI, { "rsi", "esi", "si", "sil" } },
	{ PT_DI, { "rdi", "edi", "di", "dil" } },
	{ PT_BP, { "rbp", "ebp", "bp", "bpl" } },
	{ PT_SP, { "rsp", "esp", "sp", "spl" } },
	{ PT_R8, { "r8", "r8d", "r8w", "r8b" } },
	{ PT_R9, { "r9", "r9d", "r9w", "r9b" } },
	{ PT_R10, { "r10", "r10d", "r10w", "r10b" } },
	{ PT_R11, { "r11", "r11d", "r11w", "r11b" } },
	{ PT_R12, { "r12", "r12d", "r12w", "r12b" } },
	{ PT_R13, { "r13", "r13d", "r13w", "r13b" } },
	{ PT_R14, { "r14", "r14d", "r14w", "r14b" } },
	{ PT_R15, { "r15", "r15d", "r15w", "r15b" } },
	{ PT_IP, { "rip", "eip", NULL, NULL } },
};

int fathom_usdt_reg(const char *name, struct fathom_usdt_reg *reg)
{
	static const uint8_t widths[4] = { 8, 4, 2, 1 };
	size_t i, w;

	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (w = 0; w < 4; w++) {
			if (!regs[i].names[w] || strcmp(regs[i].names[w], name))
				continue;
			snprintf(reg->name, sizeof(reg->name), "%s", name);
			reg->ptregs_off = regs[i].slot * 8;
			reg->width = widths[w];
			return 0;
		}
	/* %r8l is another spelling of %r8b */
	if (strlen(name) >= 3 && name[0] == 'r' &&
	    name[strlen(name) - 1] == 'l') {
		char alt[8];

		snprintf(alt, sizeof(alt), "%.*sb", (int)strlen(name) - 1,
			 name);
		if (isdigit((unsigned char)name[1]) &&
		    !fathom_usdt_reg(alt, reg)) {
			snprintf(reg->name, sizeof(reg->name), "%s", name);
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

/* ---- argument strings ---- */

/* "%name" at *s; advances past it */
static int parse_reg(const char **s, struct fathom_usdt_reg *reg)
{
	const char *p = *s;
	char name[8];
	size_t n = 0;

	if (*p++ != '%')
		return -EBADMSG;
	while (isalnum((unsigned char)p[n]))
		n++;
	if (!n || n >= sizeof(name))
		return n ? -EOPNOTSUPP : -EBADMSG;
	memcpy(name, p, n);
	name[n] = 0;
	*s = p + n;
	return fathom_usdt_reg(name, reg);
}

static int parse_int(const char **s, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(*s, &end, 0);
	if (end == *s || errno)
		return -EBADMSG;
	*s = end;
	return 0;
}

/* disp(%base[,%index[,scale]]) or sym[+-off](%rip), after the '@' */
static int parse_mem(const char **s, struct fathom_usdt_arg *a)
{
	const char *p = *s;
	int64_t v;
	int ret;

	a->kind = FATHOM_USDT_ARG_MEM;
	/* "8+table(%rip)": gcc writes a constant offset before the symbol */
	if (isdigit((unsigned char)*p) || *p == '-') {
		const char *q = p;

		if (!parse_int(&q, &v) && *q == '+' &&
		    (isalpha((unsigned char)q[1]) || q[1] == '_' ||
		     q[1] == '.')) {
			a->disp = v;
			p = q + 1;
		}
	}
	if (isalpha((unsigned char)*p) || *p == '_' || *p == '.') {
		size_t n = 0;

		while (isalnum((unsigned char)p[n]) || p[n] == '_' ||
		       p[n] == '.' || p[n] == '@' || p[n] == '$')
			n++;
		if (n >= sizeof(a->sym))
			return -EOPNOTSUPP;
		memcpy(a->sym, p, n);
		a->sym[n] = 0;
		p += n;
		if (*p == '+' || *p == '-') {
			ret = parse_int(&p, &v);
			if (ret)
				return ret;
			a->disp += v;
		}
	} else if (*p != '(') {
		ret = parse_int(&p, &v);
		if (ret)
			return ret;
		a->disp = v;
	}
	if (*p != '(') {
		*s = p;
		return 0; /* an absolute address */
	}
	p++;
	if (*p == '%') {
		ret = parse_reg(&p, &a->base);
		if (ret)
			return ret;
		a->has_base = true;
	}
	if (*p == ',') {
		p++;
		ret = parse_reg(&p, &a->index);
		if (ret)
			return ret;
		a->has_index = true;
		a->scale = 1;
		if (*p == ',') {
			p++;
			ret = parse_int(&p, &v);
			if (ret)
				return ret;
			if (v != 1 && v != 2 && v != 4 && v != 8)
				return -EBADMSG;
			a->scale = (uint8_t)v;
		}
	}
	if (*p++ != ')' || (!a->has_base && !a->has_index))
		return -EBADMSG;
	if (a->sym[0] && !(a->has_base && a->base.ptregs_off == PT_IP * 8))
		return -EOPNOTSUPP; /* a symbol is only PC-relative */
	*s = p;
	return 0;
}

static int parse_arg(const char **s, struct fathom_usdt_arg *a)
{
	const char *p = *s;
	int64_t size = 8;
	int ret;

	memset(a, 0, sizeof(*a));
	/* "[-]SIZE@" is optional in old notes: 8 bytes, unsigned */
	if (strchr("-0123456789", *p)) {
		const char *at = p;

		while (*at && *at != '@' && *at != ' ')
			at++;
		if (*at == '@') {
			ret = parse_int(&p, &size);
			if (ret || p != at)
				return -EBADMSG;
			p++;
		}
	}
	if (size < 0) {
		a->is_signed = true;
		size = -size;
	}
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EBADMSG;
	a->size = (uint8_t)size;
	if (*p == '%') {
		a->kind = FATHOM_USDT_ARG_REG;
		ret = parse_reg(&p, &a->base);
	} else if (*p == '$') {
		p++;
		a->kind = FATHOM_USDT_ARG_CONST;
		ret = parse_int(&p, &a->disp);
	} else {
		ret = parse_mem(&p, a);
	}
	if (ret)
		return ret;
	if (*p && *p != ' ')
		return -EBADMSG;
	*s = p;
	return 0;
}

int fathom_usdt_parse_args(const char *spec, struct fathom_usdt_arg *argv,
			   uint32_t *argc)
{
	const char *p = spec;
	uint32_t n = 0;
	int ret;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (n == FATHOM_USDT_MAX_ARGS)
			return -E2BIG;
		ret = parse_arg(&p, &argv[n]);
		if (ret)
			return ret;
		n++;
	}
	*argc = n;
	return 0;
}

/* ---- notes ---- */

static int va_to_off(Elf *e, uint64_t va, uint64_t *off)
{
	size_t n, i;

	if (elf_getphdrnum(e, &n))
		return -ENOENT;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (va >= ph.p_vaddr && va - ph.p_vaddr < ph.p_filesz) {
			*off = va - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

struct reader {
	struct fathom_usdt_probe *v;
	size_t n, cap;
	Elf *e;
	bool is64;
	bool have_base;
	uint64_t base_addr; /* .stapsdt.base's sh_addr */
};

static uint64_t rd_word(const uint8_t *p, bool is64, bool swap)
{
	uint64_t v = 0;
	uint32_t w;

	if (is64) {
		memcpy(&v, p, 8);
		return swap ? __builtin_bswap64(v) : v;
	}
	memcpy(&w, p, 4);
	return swap ? __builtin_bswap32(w) : w;
}

static int note_one(struct reader *r, const uint8_t *d, size_t len, bool swap)
{
	size_t w = r->is64 ? 8 : 4, off = 3 * w, l1, l2, l3;
	const char *prov, *name, *args;
	struct fathom_usdt_probe *p;
	int64_t diff;

	if (len < off + 3)
		return -EBADMSG;
	prov = (const char *)d + off;
	l1 = strnlen(prov, len - off);
	if (off + l1 >= len)
		return -EBADMSG;
	name = prov + l1 + 1;
	l2 = strnlen(name, len - off - l1 - 1);
	if (off + l1 + 1 + l2 >= len)
		return -EBADMSG;
	args = name + l2 + 1;
	l3 = strnlen(args, len - off - l1 - l2 - 2);
	if (off + l1 + l2 + l3 + 2 >= len || !l1 || !l2)
		return -EBADMSG;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		void *q = realloc(r->v, cap * sizeof(*r->v));

		if (!q)
			return -ENOMEM;
		r->v = q;
		r->cap = cap;
	}
	p = &r->v[r->n];
	memset(p, 0, sizeof(*p));
	p->pc = rd_word(d, r->is64, swap);
	p->base = rd_word(d + w, r->is64, swap);
	p->sem = rd_word(d + 2 * w, r->is64, swap);
	if (r->have_base && p->base) {
		diff = (int64_t)(r->base_addr - p->base);
		p->pc += diff;
		if (p->sem)
			p->sem += diff;
	}
	p->provider = strdup(prov);
	p->name = strdup(name);
	p->args = strdup(args);
	r->n++; /* from here fathom_usdt_free() frees it */
	if (!p->provider || !p->name || !p->args)
		return -ENOMEM;
	if (va_to_off(r->e, p->pc, &p->pc_off) ||
	    (p->sem && va_to_off(r->e, p->sem, &p->sem_off)))
		return -EBADMSG;
	p->args_err = fathom_usdt_parse_args(p->args, p->argv, &p->argc);
	if (p->args_err)
		p->argc = 0;
	return p->args_err == -EBADMSG ? -EBADMSG : 0;
}

static int read_notes(struct reader *r, Elf_Scn *scn, bool swap)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t pos = 0, name_off, desc_off;
	GElf_Nhdr nh;
	int ret;

	if (!data)
		return 0;
	while ((pos = gelf_getnote(data, pos, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
		    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
			continue;
		ret = note_one(r, (uint8_t *)data->d_buf + desc_off,
			       nh.n_descsz, swap);
		if (ret)
			return ret;
	}
	return 0;
}

struct sym_query {
	const char *name;
	uint64_t value;
};

static int sym_match(struct fathom_elf_sym *s, void *arg)
{
	struct sym_query *q = arg;

	if (strcmp(s->name, q->name))
		return 0;
	q->value = s->value;
	return 1;
}

/* st_value of the defined symbol @name: .symtab first, then .dynsym */
static int find_symbol(Elf *e, const char *name, uint64_t *value)
{
	struct sym_query q = { .name = name };

	if (!fathom_elf_walk(e, sym_match, &q))
		return -ENOENT;
	*value = q.value;
	return 0;
}

/* The link-time addresses of the symbols sym(%rip) operands name. */
static void resolve_syms(struct reader *r, bool pie)
{
	size_t i;
	uint32_t j;

	for (i = 0; i < r->n; i++) {
		struct fathom_usdt_probe *p = &r->v[i];

		p->pie = pie;
		for (j = 0; j < p->argc && !p->args_err; j++) {
			struct fathom_usdt_arg *a = &p->argv[j];

			if (a->sym[0] &&
			    find_symbol(r->e, a->sym, &a->sym_addr)) {
				p->args_err = -ENOENT;
				p->argc = 0;
			}
		}
	}
}

int fathom_usdt_read(const char *path, struct fathom_usdt_probe **out,
		     size_t *n)
{
	struct reader r = { 0 };
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Ehdr eh;
	int fd, ret;
	bool swap;

	*out = NULL;
	*n = 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r.e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	ret = -ENOEXEC;
	if (!r.e || elf_kind(r.e) != ELF_K_ELF || !gelf_getehdr(r.e, &eh) ||
	    elf_getshdrstrndx(r.e, &shstrndx))
		goto out;
	r.is64 = eh.e_ident[EI_CLASS] == ELFCLASS64;
	swap = (eh.e_ident[EI_DATA] == ELFDATA2MSB) !=
	       (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	while ((scn = elf_nextscn(r.e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(r.e, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".stapsdt.base")) {
			r.have_base = true;
			r.base_addr = sh.sh_addr;
		}
	}
	ret = 0;
	while (!ret && (scn = elf_nextscn(r.e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(r.e, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".note.stapsdt"))
			ret = read_notes(&r, scn, swap);
	}
	if (!ret)
		resolve_syms(&r, eh.e_type == ET_DYN);
out:
	if (r.e)
		elf_end(r.e);
	close(fd);
	if (ret) {
		fathom_usdt_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

void fathom_usdt_free(struct fathom_usdt_probe *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].provider);
		free(v[i].name);
		free(v[i].args);
	}
	free(v);
}
