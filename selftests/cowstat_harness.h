/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness of every tree the selftests are built in: 6.1's
 * runs a test's body even after its FIXTURE_SETUP skipped, and later ones
 * do not.  So every fixture has a setup_skipped flag, setups skip with
 * SETUP_SKIP(), and tests are COWSTAT_TEST_F(), whose body does not run
 * after that, under any harness: a missing module, cgroup2 or privilege
 * is a skip, never a failure.
 */
#ifndef COWSTAT_HARNESS_H
#define COWSTAT_HARNESS_H

#include <stdbool.h>
#include "kselftest_harness.h"

#define SETUP_SKIP(fmt, ...) do {						\
	self->setup_skipped = true;						\
	SKIP(return, fmt, ##__VA_ARGS__);					\
} while (0)

/*
 * FIXTURE_DATA() and FIXTURE_VARIANT() spelled out: checkpatch misreads
 * them.  @timeout: the harness's, in seconds, after which it kills the test.
 */
#define COWSTAT_TEST_F_TIMEOUT(fixture, name, timeout)				\
	static void fixture##_##name##_body(struct __test_metadata *_metadata,	\
					    struct _test_data_##fixture *self,	\
					    const struct _fixture_variant_##fixture *variant); \
	TEST_F_TIMEOUT(fixture, name, timeout)					\
	{									\
		if (!self->setup_skipped)					\
			fixture##_##name##_body(_metadata, self, variant);	\
	}									\
	static void fixture##_##name##_body(					\
		struct __test_metadata __attribute__((unused)) *_metadata,	\
		struct _test_data_##fixture __attribute__((unused)) *self,	\
		const struct _fixture_variant_##fixture __attribute__((unused)) *variant)

#define COWSTAT_TEST_F(fixture, name)						\
	COWSTAT_TEST_F_TIMEOUT(fixture, name, TEST_TIMEOUT_DEFAULT)

#endif /* COWSTAT_HARNESS_H */
