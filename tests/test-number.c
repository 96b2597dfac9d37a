// SPDX-License-Identifier: LGPL-2.1-or-later
/* hwpi_parse_u64 and hwpi_parse_duration_ms. */
#include "testing.h"

static void ok(const char *s, uint64_t expected)
{
	uint64_t v = 0xdeadbeef;

	fprintf(stderr, "  parse \"%s\"\n", s);
	CHECK_OK(hwpi_parse_u64(s, &v));
	CHECK_U64(v, expected);
}

static void bad(const char *s, int err)
{
	uint64_t v = 0xdeadbeef;

	fprintf(stderr, "  parse \"%s\" (bad)\n", s);
	CHECK_ERR(hwpi_parse_u64(s, &v), err);
	CHECK_U64(v, 0xdeadbeef); /* untouched */
}

static void test_u64(void)
{
	ok("0", 0);
	ok("1", 1);
	ok("4242", 4242);
	ok("007", 7);
	ok("0x0", 0);
	ok("0x1a2b3", 0x1a2b3);
	ok("0X1A2B3", 0x1a2b3);
	ok("0xDeadBeef", 0xdeadbeef);
	ok("0x7f12a000", 0x7f12a000);
	ok("18446744073709551615", UINT64_MAX);
	ok("0xffffffffffffffff", UINT64_MAX);
	ok("0x00000000000000000000001", 1); /* leading zeros do not overflow */
	ok("18446744073709551610", UINT64_MAX - 5);

	bad("", -EINVAL);
	bad("0x", -EINVAL);
	bad("0X", -EINVAL);
	bad("x10", -EINVAL);
	bad("+1", -EINVAL);
	bad("-1", -EINVAL);
	bad("-0", -EINVAL);
	bad(" 1", -EINVAL);
	bad("1 ", -EINVAL);
	bad("\t1", -EINVAL);
	bad("1\n", -EINVAL);
	bad("12abc", -EINVAL);
	bad("0x12g", -EINVAL);
	bad("0x-1", -EINVAL);
	bad("0x 1", -EINVAL);
	bad("1e3", -EINVAL);
	bad("1.0", -EINVAL);
	bad("0b101", -EINVAL);
	bad("ff", -EINVAL);
	bad("1_000", -EINVAL);
	bad("18446744073709551616", -ERANGE);
	bad("18446744073709551620", -ERANGE);
	bad("99999999999999999999999", -ERANGE);
	bad("0x10000000000000000", -ERANGE);
	bad("0x1ffffffffffffffff", -ERANGE);

	CHECK_ERR(hwpi_parse_u64(NULL, &(uint64_t){ 0 }), -EINVAL);
	CHECK_ERR(hwpi_parse_u64("1", NULL), -EINVAL);
}

static void dur_ok(const char *s, uint64_t ms)
{
	uint64_t v = 0xdeadbeef;

	fprintf(stderr, "  duration \"%s\"\n", s);
	CHECK_OK(hwpi_parse_duration_ms(s, &v));
	CHECK_U64(v, ms);
}

static void dur_bad(const char *s, int err)
{
	uint64_t v = 0xdeadbeef;

	fprintf(stderr, "  duration \"%s\" (bad)\n", s);
	CHECK_ERR(hwpi_parse_duration_ms(s, &v), err);
	CHECK_U64(v, 0xdeadbeef);
}

static void test_duration(void)
{
	dur_ok("0", 0);
	dur_ok("10", 10000);
	dur_ok("10s", 10000);
	dur_ok("250ms", 250);
	dur_ok("0ms", 0);
	dur_ok("2m", 120000);
	dur_ok("1h", 3600000);
	dur_ok("18446744073709551615ms", UINT64_MAX);
	dur_ok("18446744073709551s", 18446744073709551000ULL);
	dur_ok("5124095576030h", 5124095576030ULL * 3600000);
	dur_ok("307445734561825m", 307445734561825ULL * 60000);

	dur_bad("", -EINVAL);
	dur_bad("s", -EINVAL);
	dur_bad("ms", -EINVAL);
	dur_bad("junk", -EINVAL);
	dur_bad("10x", -EINVAL);
	dur_bad("10 s", -EINVAL);
	dur_bad(" 10", -EINVAL);
	dur_bad("10S", -EINVAL);
	dur_bad("1.5s", -EINVAL);
	dur_bad("-1", -EINVAL);
	dur_bad("+1s", -EINVAL);
	dur_bad("10sms", -EINVAL);
	dur_bad("1d", -EINVAL);
	dur_bad("0x10", -EINVAL);
	dur_bad("18446744073709551616ms", -ERANGE);
	dur_bad("18446744073709552s", -ERANGE);
	dur_bad("18446744073709551615", -ERANGE);
	dur_bad("5124095576031h", -ERANGE);
	dur_bad("307445734561826m", -ERANGE);
	CHECK_ERR(hwpi_parse_duration_ms(NULL, &(uint64_t){ 0 }), -EINVAL);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	RUN(test_u64);
	RUN(test_duration);
	return 0;
}
