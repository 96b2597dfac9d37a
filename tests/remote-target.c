// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A victim for test-remote: a process that syscalls are injected into.
 *
 *   remote-target loop|pause|sleep|threads
 *
 * Prints (line-buffered, on stdout):
 *   thread tid=T                       (threads mode, one per worker)
 *   ready pid=P tid=T victim=A bus=A segv=A usr1=A
 *   status mode=M iter=N bad=B         on SIGUSR2
 *   sigbus code=C addr=A lsb=L tid=T   when its SIGBUS handler ran
 *   sigsegv code=C addr=A tid=T        when its SIGSEGV handler ran
 *   usr1 code=C value=V tid=T          when its SIGUSR1 handler ran
 *   bad WHAT                           on anything wrong (also counted in bad=)
 *
 * "bus", "segv" and "usr1" are siginfo_t buffers prepared in its memory for
 * an injected rt_tgsigqueueinfo(); "victim" is a page nothing else touches.
 * The loops check that their registers (an asm loop holding 13 known values)
 * and memory (a checksummed buffer) survive injections; pause and sleep check
 * that an interrupted syscall restarts correctly (no spurious or early
 * return).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 3
#define BUF_WORDS (64 * 1024 / 8)
#define NAP_MS 300

static const char *mode;
static uint64_t *buf;
static uint64_t buf_sum;
static char *victim;
static siginfo_t bus_info, segv_info, usr1_info;

static atomic_ulong iter, bad;
static atomic_uint n_bus, n_segv, n_usr1, n_usr2;
static volatile int bus_code, bus_lsb, bus_tid, segv_code, segv_tid, usr1_code, usr1_value,
	usr1_tid;
static void *volatile bus_addr, *volatile segv_addr;

static pid_t my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	bus_addr = si->si_addr;
	bus_lsb = si->si_addr_lsb;
	bus_tid = my_tid();
	atomic_fetch_add(&n_bus, 1);
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	segv_code = si->si_code;
	segv_addr = si->si_addr;
	segv_tid = my_tid();
	atomic_fetch_add(&n_segv, 1);
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr1_code = si->si_code;
	usr1_value = si->si_value.sival_int;
	usr1_tid = my_tid();
	atomic_fetch_add(&n_usr1, 1);
}

static void on_usr2(int sig)
{
	(void)sig;
	atomic_fetch_add(&n_usr2, 1);
}

static void say_bad(const char *what)
{
	atomic_fetch_add(&bad, 1);
	printf("bad %s\n", what);
}

/* Print what the handlers saw since the last call; returns how many events. */
static unsigned int report(void)
{
	static unsigned int seen_bus, seen_segv, seen_usr1, seen_usr2;
	unsigned int n = 0, c;

	if ((c = atomic_load(&n_bus)) != seen_bus) {
		seen_bus = c;
		n++;
		printf("sigbus code=%d addr=%p lsb=%d tid=%d\n", bus_code, bus_addr, bus_lsb,
		       bus_tid);
	}
	if ((c = atomic_load(&n_segv)) != seen_segv) {
		seen_segv = c;
		n++;
		printf("sigsegv code=%d addr=%p tid=%d\n", segv_code, segv_addr, segv_tid);
	}
	if ((c = atomic_load(&n_usr1)) != seen_usr1) {
		seen_usr1 = c;
		n++;
		printf("usr1 code=%d value=%d tid=%d\n", usr1_code, usr1_value, usr1_tid);
	}
	if ((c = atomic_load(&n_usr2)) != seen_usr2) {
		seen_usr2 = c;
		n++;
		printf("status mode=%s iter=%lu bad=%lu\n", mode, atomic_load(&iter),
		       atomic_load(&bad));
	}
	return n;
}

#if defined(__x86_64__)
/* Spin N times with 13 registers holding known values; non-zero if one changed. */
static uint64_t reg_check(uint64_t n)
{
	uint64_t diff;

	__asm__ volatile(
		"movabs $0x1111111111111111, %%rbx\n\t"
		"movabs $0x2222222222222222, %%rcx\n\t"
		"movabs $0x3333333333333333, %%rdx\n\t"
		"movabs $0x4444444444444444, %%rsi\n\t"
		"movabs $0x5555555555555555, %%rdi\n\t"
		"movabs $0x6666666666666666, %%r8\n\t"
		"movabs $0x7777777777777777, %%r9\n\t"
		"movabs $0x8888888888888888, %%r10\n\t"
		"movabs $0x9999999999999999, %%r11\n\t"
		"movabs $0xaaaaaaaaaaaaaaaa, %%r12\n\t"
		"movabs $0xbbbbbbbbbbbbbbbb, %%r13\n\t"
		"movabs $0xcccccccccccccccc, %%r14\n\t"
		"movabs $0xdddddddddddddddd, %%r15\n\t"
		"1:\n\t"
		"dec %%rax\n\t"
		"jnz 1b\n\t"
		"movabs $0x1111111111111111, %%rax\n\t xor %%rax, %%rbx\n\t"
		"movabs $0x2222222222222222, %%rax\n\t xor %%rax, %%rcx\n\t or %%rcx, %%rbx\n\t"
		"movabs $0x3333333333333333, %%rax\n\t xor %%rax, %%rdx\n\t or %%rdx, %%rbx\n\t"
		"movabs $0x4444444444444444, %%rax\n\t xor %%rax, %%rsi\n\t or %%rsi, %%rbx\n\t"
		"movabs $0x5555555555555555, %%rax\n\t xor %%rax, %%rdi\n\t or %%rdi, %%rbx\n\t"
		"movabs $0x6666666666666666, %%rax\n\t xor %%rax, %%r8\n\t or %%r8, %%rbx\n\t"
		"movabs $0x7777777777777777, %%rax\n\t xor %%rax, %%r9\n\t or %%r9, %%rbx\n\t"
		"movabs $0x8888888888888888, %%rax\n\t xor %%rax, %%r10\n\t or %%r10, %%rbx\n\t"
		"movabs $0x9999999999999999, %%rax\n\t xor %%rax, %%r11\n\t or %%r11, %%rbx\n\t"
		"movabs $0xaaaaaaaaaaaaaaaa, %%rax\n\t xor %%rax, %%r12\n\t or %%r12, %%rbx\n\t"
		"movabs $0xbbbbbbbbbbbbbbbb, %%rax\n\t xor %%rax, %%r13\n\t or %%r13, %%rbx\n\t"
		"movabs $0xcccccccccccccccc, %%rax\n\t xor %%rax, %%r14\n\t or %%r14, %%rbx\n\t"
		"movabs $0xdddddddddddddddd, %%rax\n\t xor %%rax, %%r15\n\t or %%r15, %%rbx\n\t"
		: "=b"(diff), "+a"(n)
		:
		: "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
		  "r14", "r15", "cc", "memory");
	return diff;
}
#else
static uint64_t reg_check(uint64_t n)
{
	volatile uint64_t a = 0x1111111111111111ULL, b = 0x2222222222222222ULL;
	uint64_t x = a, y = b;

	while (n--)
		__asm__ volatile("" : "+r"(x), "+r"(y));
	return (x ^ a) | (y ^ b);
}
#endif

static uint64_t checksum(void)
{
	uint64_t s = 0;

	for (size_t i = 0; i < BUF_WORDS; i++)
		s = s * 31 + buf[i];
	return s;
}

static void spin_once(void)
{
	if (reg_check(20000))
		say_bad("registers");
	if (checksum() != buf_sum)
		say_bad("checksum");
	atomic_fetch_add(&iter, 1);
}

static atomic_int workers_up;

static void *worker(void *arg)
{
	(void)arg;
	printf("thread tid=%d\n", my_tid());
	atomic_fetch_add(&workers_up, 1);
	for (;;)
		spin_once();
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void fill_info(siginfo_t *si, int sig, int code, void *addr)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = code;
	si->si_addr = addr;
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t usr2;

	if (argc != 2) {
		fprintf(stderr, "usage: remote-target loop|pause|sleep|threads\n");
		return 64;
	}
	mode = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);

	buf = malloc(BUF_WORDS * sizeof(*buf));
	victim = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!buf || victim == MAP_FAILED)
		return 70;
	victim[0] = 1;
	for (size_t i = 0; i < BUF_WORDS; i++)
		buf[i] = i * 0x9e3779b97f4a7c15ULL;
	buf_sum = checksum();

	fill_info(&bus_info, SIGBUS, BUS_MCEERR_AR, victim);
	bus_info.si_addr_lsb = 12;
	fill_info(&segv_info, SIGSEGV, SEGV_MAPERR, victim + 8);
	memset(&usr1_info, 0, sizeof(usr1_info));
	usr1_info.si_signo = SIGUSR1;
	usr1_info.si_code = SI_QUEUE;
	usr1_info.si_pid = getpid();
	usr1_info.si_uid = getuid();
	usr1_info.si_value.sival_int = 4242;

	handle(SIGBUS, on_bus);
	handle(SIGSEGV, on_segv);
	handle(SIGUSR1, on_usr1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;	/* no SA_RESTART: pause/nanosleep return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);

	if (!strcmp(mode, "threads")) {
		/* SIGUSR2 for the main thread only */
		sigemptyset(&usr2);
		sigaddset(&usr2, SIGUSR2);
		pthread_sigmask(SIG_BLOCK, &usr2, NULL);
		for (int i = 0; i < NTHREADS; i++) {
			pthread_t t;

			if (pthread_create(&t, NULL, worker, NULL))
				return 70;
		}
		pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
		while (atomic_load(&workers_up) < NTHREADS)	/* their tids first */
			usleep(1000);
	} else if (strcmp(mode, "loop") && strcmp(mode, "pause") && strcmp(mode, "sleep")) {
		fprintf(stderr, "remote-target: unknown mode %s\n", mode);
		return 64;
	}

	printf("ready pid=%d tid=%d victim=%p bus=%p segv=%p usr1=%p\n", getpid(), my_tid(),
	       (void *)victim, (void *)&bus_info, (void *)&segv_info, (void *)&usr1_info);

	if (!strcmp(mode, "loop")) {
		for (;;) {
			spin_once();
			report();
		}
	} else if (!strcmp(mode, "pause")) {
		for (;;) {
			pause();	/* returns only after a handler ran */
			if (!report())
				say_bad("pause returned without a signal");
			atomic_fetch_add(&iter, 1);
		}
	} else {
		/* sleep and threads: naps that must last their full length */
		for (;;) {
			struct timespec ts = { .tv_sec = 0, .tv_nsec = NAP_MS * 1000000L };
			uint64_t t0 = now_ms();
			int rc = nanosleep(&ts, NULL);

			if (rc == 0 && now_ms() - t0 < NAP_MS - 1)
				say_bad("nanosleep returned early");
			if (!report() && rc < 0)
				say_bad("nanosleep EINTR without a signal");
			if (rc == 0)
				atomic_fetch_add(&iter, 1);
		}
	}
	return 0;
}
