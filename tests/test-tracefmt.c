// SPDX-License-Identifier: LGPL-2.1-or-later
/* The tracepoint format parser (lib/tracefmt.c) on format files as kernels print them. */
#include "internal.h"
#include "testing.h"

/* as /sys/kernel/tracing/events/ras/memory_failure_event/format prints it (6.1 style) */
static const char mf_61[] =
	"name: memory_failure_event\n"
	"ID: 1223\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned long pfn;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int type;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:int result;\toffset:20;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"pfn %#lx: recovery action for %s: %s\", REC->pfn, "
	"__print_symbolic(REC->type, { 0, \"reserved kernel page\" }, { 1, \"kernel slab page\" }, "
	"{ 2, \"different compound page after locking\" }, { 12, \"dirty LRU page\" }, "
	"{ 13, \"clean LRU page\" }), "
	"__print_symbolic(REC->result, { 0, \"Ignored\" }, { 1, \"Failed\" }, { 2, \"Delayed\" }, "
	"{ 3, \"Recovered\" })\n";

static const char sig_fmt[] =
	"name: signal_generate\n"
	"ID: 190\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:int sig;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:int errno;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:int code;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:char comm[16];\toffset:20;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:36;\tsize:4;\tsigned:1;\n"
	"\tfield:int group;\toffset:40;\tsize:4;\tsigned:1;\n"
	"\tfield:int result;\toffset:44;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"sig=%d errno=%d code=%d comm=%s pid=%d grp=%d res=%d\", REC->sig, "
	"REC->errno, REC->code, REC->comm, REC->pid, REC->group, REC->result\n";

static void test_memory_failure_event(void)
{
	struct hwpi_tp_format *f = calloc(1, sizeof(*f));
	unsigned char raw[24] = { 0 };
	uint64_t pfn = 0x1a2b3;
	int32_t type = 12, result = 3;
	int64_t v;

	CHECK(f);
	CHECK_OK(hwpi__tp_format_parse(mf_61, f));
	CHECK_INT(f->id, 1223);
	CHECK_INT(f->n_fields, 7);
	CHECK_INT(hwpi__tp_field(f, "pfn")->offset, 8);
	CHECK_INT(hwpi__tp_field(f, "type")->offset, 16);
	CHECK_INT(hwpi__tp_field(f, "result")->size, 4);
	CHECK(hwpi__tp_field(f, "nosuch") == NULL);
	CHECK_STR(hwpi__tp_symbol(f, "type", 12), "dirty LRU page");
	CHECK_STR(hwpi__tp_symbol(f, "type", 2), "different compound page after locking");
	CHECK_STR(hwpi__tp_symbol(f, "result", 3), "Recovered");
	CHECK_STR(hwpi__tp_symbol(f, "result", 0), "Ignored");
	CHECK(hwpi__tp_symbol(f, "type", 99) == NULL);
	CHECK(hwpi__tp_symbol(f, "pfn", 0) == NULL);

	memcpy(raw + 8, &pfn, 8);
	memcpy(raw + 16, &type, 4);
	memcpy(raw + 20, &result, 4);
	CHECK(hwpi__tp_get(hwpi__tp_field(f, "pfn"), raw, sizeof(raw), &v));
	CHECK_U64(v, 0x1a2b3);
	CHECK(hwpi__tp_get(hwpi__tp_field(f, "result"), raw, sizeof(raw), &v));
	CHECK_INT(v, 3);
	/* a short record does not read past its end */
	CHECK(!hwpi__tp_get(hwpi__tp_field(f, "result"), raw, 22, &v));
	free(f);
}

static void test_signal_generate(void)
{
	struct hwpi_tp_format *f = calloc(1, sizeof(*f));
	unsigned char raw[48] = { 0 };
	int32_t sig = 7, code = 5, pid = -4242;
	int64_t v;

	CHECK(f);
	CHECK_OK(hwpi__tp_format_parse(sig_fmt, f));
	CHECK_INT(f->n_tables, 0);
	CHECK_INT(hwpi__tp_field(f, "comm")->offset, 20);
	CHECK_INT(hwpi__tp_field(f, "comm")->size, 16);
	CHECK_INT(hwpi__tp_field(f, "pid")->offset, 36);
	memcpy(raw + 8, &sig, 4);
	memcpy(raw + 16, &code, 4);
	memcpy(raw + 36, &pid, 4);
	CHECK(hwpi__tp_get(hwpi__tp_field(f, "code"), raw, sizeof(raw), &v));
	CHECK_INT(v, 5);
	/* signed fields keep their sign */
	CHECK(hwpi__tp_get(hwpi__tp_field(f, "pid"), raw, sizeof(raw), &v));
	CHECK_INT(v, -4242);
	free(f);
}

static void test_malformed(void)
{
	struct hwpi_tp_format *f = calloc(1, sizeof(*f));

	CHECK(f);
	CHECK_ERR(hwpi__tp_format_parse("", f), -EINVAL);
	CHECK_ERR(hwpi__tp_format_parse("name: x\nID: 3\nformat:\n", f), -EINVAL);
	/* an unterminated symbol table keeps what was parsed and does not crash */
	CHECK_OK(hwpi__tp_format_parse("\tfield:int type;\toffset:8;\tsize:4;\tsigned:1;\n"
				       "print fmt: \"%s\", __print_symbolic(REC->type, { 0, \"a\" }, "
				       "{ 1, \"b",
				       f));
	CHECK_INT(f->n_fields, 1);
	CHECK(hwpi__tp_symbol(f, "type", 1) == NULL);
	free(f);
}

int main(void)
{
	test_memory_failure_event();
	test_signal_generate();
	test_malformed();
	printf("tracefmt: all passed\n");
	return 0;
}
