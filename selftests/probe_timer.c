// SPDX-License-Identifier: GPL-2.0-only
/* placeholder: being written */
#include "kselftest_harness.h"

TEST_HARNESS_MAIN
