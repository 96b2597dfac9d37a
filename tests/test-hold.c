// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Holding a process with ptrace (lib/hold.c), on any kernel: a child sends
 * itself a SIGBUS carrying machine-check siginfo; the hold must record it
 * exactly, pass it on unchanged (the child's handler sees the same code,
 * address and lsb), observe the child's fate, and leave it untraced.
 */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "testing.h"

#define FAKE_ADDR 0x7f1234567000ULL

static int res_pipe[2];

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	long v[3] = { si->si_code, (long)si->si_addr, si->si_addr_lsb };

	(void)sig;
	(void)uc;
	if (write(res_pipe[1], v, sizeof(v)) != sizeof(v))
		_exit(90);
}

static void on_usr1(int sig)
{
	long v[3] = { sig, 0, 0 };

	if (write(res_pipe[1], v, sizeof(v)) != sizeof(v))
		_exit(92);
}

/* The child: on each byte from CMD, raise SIGBUS with BUS_MCEERR_AO on itself. */
static void child(int cmd)
{
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO };
	char c;

	sigaction(SIGBUS, &sa, NULL);
	signal(SIGUSR1, on_usr1);
	while (read(cmd, &c, 1) == 1) {
		siginfo_t si;

		if (c == 'q')
			_exit(7);
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGBUS;
		si.si_code = BUS_MCEERR_AO;
		si.si_addr = (void *)(uintptr_t)FAKE_ADDR;
		si.si_addr_lsb = 12;
		if (syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGBUS, &si) < 0)
			_exit(91);
	}
	_exit(0);
}

static int tracer_of(pid_t pid)
{
	char path[64], buf[4096], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strstr(buf, "TracerPid:");
	return p ? atoi(p + 10) : -1;
}

static pid_t start_child(int *cmd_w)
{
	int cmd[2];
	pid_t pid;

	CHECK(pipe(cmd) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(cmd[1]);
		child(cmd[0]);
	}
	close(cmd[0]);
	*cmd_w = cmd[1];
	return pid;
}

/* Released: not traced, not stopped, still working (it exits 7 when told); CMD closed. */
static void check_released(pid_t pid, int cmd)
{
	int status;

	CHECK_INT(tracer_of(pid), 0);
	CHECK(write(cmd, "q", 1) == 1);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 7);
	close(cmd);
}

static void test_signal_passed_on(struct hwpi_ctx *ctx)
{
	struct hwpi_report r;
	struct hwpi_hold h;
	long v[3];
	int cmd;
	pid_t pid = start_child(&cmd);

	memset(&r, 0, sizeof(r));
	CHECK_OK(hwpi__hold_begin(ctx, pid, &h));
	CHECK_INT(tracer_of(pid), getpid());
	CHECK(write(cmd, "b", 1) == 1);
	hwpi__hold_watch(ctx, &h, 500, HWPI_SIG_ON_ACCESS, &r);
	hwpi__hold_end(ctx, &h, &r);

	CHECK_INT(r.n_signals, 1);
	CHECK_INT(r.signals[0].signo, SIGBUS);
	CHECK_INT(r.signals[0].code, BUS_MCEERR_AO);
	CHECK_U64(r.signals[0].addr, FAKE_ADDR);
	CHECK_INT(r.signals[0].addr_lsb, 12);
	CHECK_INT(r.signals[0].pid, pid);
	CHECK_INT(r.signals[0].when, HWPI_SIG_LATER); /* AO after injection */
	CHECK(r.signals[0].have_addr);

	/* the child's own handler saw exactly that */
	CHECK(read(res_pipe[0], v, sizeof(v)) == sizeof(v));
	CHECK_INT(v[0], BUS_MCEERR_AO);
	CHECK_U64((uint64_t)v[1], FAKE_ADDR);
	CHECK_INT(v[2], 12);

	check_released(pid, cmd);
}

/* Hold a child, make it die by WHAT (SIGKILL, or 'q': exit 7), and check the fate seen. */
static void check_fate(struct hwpi_ctx *ctx, int what, enum hwpi_target_state state, int status)
{
	struct hwpi_report r;
	struct hwpi_hold h;
	int cmd;
	pid_t pid = start_child(&cmd);

	memset(&r, 0, sizeof(r));
	CHECK_OK(hwpi__hold_begin(ctx, pid, &h));
	if (what == SIGKILL)
		CHECK(kill(pid, SIGKILL) == 0);
	else
		CHECK(write(cmd, "q", 1) == 1);
	hwpi__hold_watch(ctx, &h, 2000, HWPI_SIG_ON_ACCESS, &r);
	hwpi__hold_end(ctx, &h, &r);
	CHECK_INT(r.target_state, state);
	CHECK_INT(r.target_status, status);
	waitpid(pid, NULL, 0);
	close(cmd);
}

static void test_fate_killed(struct hwpi_ctx *ctx)
{
	check_fate(ctx, SIGKILL, HWPI_TARGET_KILLED, SIGKILL);
}

static void test_fate_exited(struct hwpi_ctx *ctx)
{
	check_fate(ctx, 'q', HWPI_TARGET_EXITED, 7);
}

/* What a handler of the child wrote, waiting 5 s at most: 0, or -1 (nothing came). */
static int read_result(long v[3])
{
	struct pollfd p = { .fd = res_pipe[0], .events = POLLIN };

	if (poll(&p, 1, 5000) != 1)
		return -1;
	return read(res_pipe[0], v, 3 * sizeof(long)) == 3 * sizeof(long) ? 0 : -1;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	CHECK(d != NULL);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * Settling after several injections of one hold (what hwpi_inject_many()
 * does page after page): each signal pending when it starts is recorded
 * as sent at injection and passed on; the files the hold keeps open for
 * it are closed when the hold ends.
 */
static void test_settle(struct hwpi_ctx *ctx)
{
	struct hwpi_report r;
	struct hwpi_hold h;
	int cmd, k, fds;
	pid_t pid = start_child(&cmd);
	long v[3];

	fds = count_fds();

	/* its handlers are in place once it has answered a first SIGBUS */
	CHECK(write(cmd, "b", 1) == 1);
	CHECK(read_result(v) == 0);
	CHECK_INT(v[0], BUS_MCEERR_AO);
	memset(&r, 0, sizeof(r));
	CHECK_OK(hwpi__hold_begin(ctx, pid, &h));
	for (k = 0; k < 3; k++) {
		CHECK(kill(pid, SIGUSR1) == 0);
		hwpi__hold_settle(ctx, &h, 2000, &r);
		CHECK_INT(r.n_signals, k + 1);
		CHECK_INT(r.signals[k].signo, SIGUSR1);
		CHECK_INT(r.signals[k].pid, pid);
		CHECK_INT(r.signals[k].when, HWPI_SIG_AT_INJECTION);
		/* passed on: the child's handler ran */
		CHECK(read_result(v) == 0);
		CHECK_INT(v[0], SIGUSR1);
	}
	CHECK(count_fds() > fds);	/* the kept status file */
	hwpi__hold_end(ctx, &h, &r);
	CHECK_INT(count_fds(), fds);
	check_released(pid, cmd);
}

static void test_no_such_pid(struct hwpi_ctx *ctx)
{
	struct hwpi_hold h;
	int cmd, status;
	pid_t pid = start_child(&cmd);

	CHECK(write(cmd, "q", 1) == 1);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK_ERR(hwpi__hold_begin(ctx, pid, &h), -ESRCH);
	close(cmd);
}

int main(void)
{
	struct hwpi_ctx *ctx;

	CHECK(pipe(res_pipe) == 0);
	CHECK_OK(hwpi_ctx_new(&ctx));
	test_signal_passed_on(ctx);
	test_fate_killed(ctx);
	test_fate_exited(ctx);
	test_settle(ctx);
	test_no_such_pid(ctx);
	hwpi_ctx_free(ctx);
	printf("hold: all passed\n");
	return 0;
}
