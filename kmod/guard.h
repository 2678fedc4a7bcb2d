/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _FATHOM_GUARD_H
#define _FATHOM_GUARD_H

struct fathom_session;

void fathom_guard_defaults(struct fathom_session *s);
int fathom_guard_init(void);
void fathom_guard_uninit(void);

#endif /* _FATHOM_GUARD_H */
