// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: arbitrary bytes as a script through the lexer, the
 * parser, the semantic pass, folding and the AST printer. Invariants:
 * no crash, no sanitizer report, no leak, no hang; and a script either
 * checks cleanly or has at least one error reported.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "compiler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fathom_script *s;
	struct diag_sink d;
	FILE *null;
	int err;

	diag_init(&d, NULL);
	s = fathom_script_parse("fuzz.bt", (const char *)data, size, &d);
	if (s) {
		err = fathom_script_check(s, &d);
		if (err == -22 && !diag_failed(&d) && s->parsed_ok)
			abort(); /* failed without saying why */
		if (!err && diag_failed(&d))
			abort(); /* errors but accepted */
		null = fopen("/dev/null", "w");
		if (null) {
			fathom_script_dump(s, null);
			fclose(null);
		}
	}
	fathom_script_free(s);
	diag_fini(&d);
	return 0;
}
