/* victim — a test program that owns one page of a chosen kind, for the VM tests.
 *
 *   victim --kind anon|thp|hugetlb|shmem|file-dirty|file-clean|mlocked [--dir DIR]
 *          [--no-handler] [--threads N] [--fork] [--pages N]
 *
 * It maps and populates the page, writes a known pattern, and prints one JSON line:
 *   {"event":"ready","pid":N,"vaddr":"0x..","pfn":"0x..","page_size":N,"kind":"..",
 *    "mapping":"anon|thp|hugetlb|shmem|file","path":".."|null,"handler":bool,"threads":N,...}
 * ("mapping" is the victim's own view of what it mapped, in hwpinject's vocabulary.)
 * --no-handler leaves SIGBUS at its default action (the process dies of it).
 * --threads N starts N extra threads (even ones sleep in nanosleep, odd ones spin).
 * --pages N (anon only) maps and fills N pages instead of one; "vaddr"/"pfn" are the first
 *   page's, commands act on the first page; the ready line says "pages":N.
 * --fork forks a child after the setup: it inherits the mapping (for shmem: the same page),
 *   reads the first 4 KiB once (so that it maps the page itself), prints
 *   {"event":"child-ready","proc":"child","pid":N,"ppid":N,"vaddr":"0x..","pfn":"0x..",
 *    "present":bool} and then only waits for signals; its SIGBUS lines carry "proc":"child"
 *   and "pid":N.  The parent's ready line says "child":N; the parent kills (SIGKILL) and reaps
 *   the child when it exits.  Without --fork, "child" is null.
 * --at ADDR (anon only) maps the page(s) at ADDR (MAP_FIXED_NOREPLACE): a page a test knows
 *   before the victim starts (hwpinject run --addr ADDR -- victim ...).
 * --churn exit|fork|exec [--churn-ms MS] (fault tests): one more thread loops from the
 *   ready line on, sleeping MS (default 0) each round: "exit" starts a thread that exits at
 *   once and joins it, "fork" forks a child that _exits at once and reaps it, "exec" execs
 *   /proc/self/exe with the same arguments (the new image maps its page again, prints its
 *   own ready line with "execs":N counting the images before it, and loops on; with --at the
 *   page is at the same address in every image).  The ready line says "churn":"MODE".
 * --touch-after MS: no commands; after the ready line it sleeps MS milliseconds, touches the
 *   page once (as "touch"), prints {"event":"exit","sigbus_total":N} and exits 0 if its SIGBUS
 *   handler ran, 1 if it did not (with --no-handler a SIGBUS kills it instead).
 * Then it reads commands from stdin, one per line:
 *   touch            read the first 4 KiB at vaddr; {"event":"touched","ok":bool,"intact":bool}
 *   check            verify the pattern over the whole page; {"event":"check",...}
 *   pfn              re-read /proc/self/pagemap; {"event":"pfn","pfn":"0x..","entry":"0x..",...}
 *   selfpoison       madvise(vaddr, 4096, MADV_HWPOISON); {"event":"madvise",...}
 *   selfsoftoffline  madvise(vaddr, 4096, MADV_SOFT_OFFLINE); {"event":"madvise",...}
 *   pin              vmsplice the first 4 KiB into a pipe kept open: the pipe holds a reference
 *                    to the page frame until the victim exits; {"event":"pin","rc":N,"errno":N}
 *   stats            {"event":"stats","reads":N,"eintr":N,"sigbus":N} (read(2) calls on stdin,
 *                    how many failed with EINTR: 0 proves interrupted reads were restarted)
 *   exit             {"event":"exit"} and exit 0
 * Each command's output ends with {"event":"done","cmd":"..","seq":N} (seq counts from 1).
 * Every SIGBUS is reported as soon as it arrives (async-signal-safe write):
 *   {"event":"sigbus","code":N,"addr":"0x..","lsb":N,"tid":N,"touching":bool,"phase":".."}
 * A SIGBUS raised while touching the page is left with siglongjmp.
 *
 * file-dirty / file-clean need a real (non-tmpfs) filesystem in --dir, else the page is shmem.
 * Exit status: 0 on "exit" or end of input, 2 usage, 3 setup failed ({"event":"error"} printed).
 * Must run as root (pagemap pfns and kpageflags need CAP_SYS_ADMIN).
 *
 * Helper modes for the guest script:
 *   victim --kpageflags PFN          {"event":"kpageflags","pfn":..,"flags":..,"hwpoison":bool}
 *   victim --pagemap PID ADDR        {"event":"pagemap","pid":N,"addr":..,"pfn":..,"entry":..,
 *                                     "present":bool}  (another process's pagemap entry)
 *   victim --find-kpf BIT FROM TO    {"event":"find-kpf","bit":N,"pfn":"0x.."|null,"flags":..}
 *                                    the first pfn in [FROM, TO) with kpageflags bit BIT set
 *   victim --clock                   CLOCK_MONOTONIC in nanoseconds (a timer for the guest
 *                                    script: busybox date has no %N)
 *   victim --sigdfl CMD [ARG]...     exec CMD with SIGINT and SIGQUIT at their default action
 *                                    (a shell starts background jobs with them ignored)
 *   victim --trace PID               PTRACE_SEIZE PID ("another tracer"), print
 *                                    {"event":"tracing","pid":N,"tracee":N}, pass on its stops
 *                                    and stay until killed or the tracee exits
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif

#define SMALL 4096UL
#define HUGE (2UL << 20)

static unsigned char *page;      /* the page we own */
static size_t page_size;         /* its size: 4 KiB, or 2 MiB for thp/hugetlb */
static const char *kind;
static volatile sig_atomic_t touching;
static const char *volatile phase = "idle";
static sigjmp_buf touch_jmp;
static volatile sig_atomic_t sigbus_count;
static char map_path[4096];      /* the file behind the page, if any */
static long n_reads, n_eintr;    /* read(2) calls on stdin, and those that failed with EINTR */
static size_t n_pages = 1;       /* --pages N (anon) */
static int sparse;               /* --sparse: touch only the first of the --pages */
static volatile int is_child;    /* the --fork child */
static pid_t child_pid;          /* the parent's --fork child, 0 if none */
static void *map_at;             /* --at ADDR (anon), NULL if none */

/* ---- async-signal-safe output ---- */
static void wr(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t r = write(1, s, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += r;
		n -= (size_t)r;
	}
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_hex(char *p, uint64_t v)
{
	char tmp[17];
	int n = 0;
	*p++ = '0';
	*p++ = 'x';
	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_dec(char *p, int64_t v)
{
	char tmp[21];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	if (v < 0)
		*p++ = '-';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	int saved = errno;
	char buf[256], *p = buf;
	sigbus_count++;
	p = put_str(p, "{\"event\":\"sigbus\",\"code\":");
	p = put_dec(p, si->si_code);
	p = put_str(p, ",\"addr\":\"");
	p = put_hex(p, (uint64_t)(uintptr_t)si->si_addr);
	p = put_str(p, "\",\"lsb\":");
	p = put_dec(p, si->si_addr_lsb);
	p = put_str(p, ",\"tid\":");
	p = put_dec(p, (int64_t)syscall(SYS_gettid));
	p = put_str(p, ",\"touching\":");
	p = put_str(p, touching ? "true" : "false");
	p = put_str(p, ",\"phase\":\"");
	p = put_str(p, phase);
	if (is_child) {
		p = put_str(p, "\",\"proc\":\"child\",\"pid\":");
		p = put_dec(p, (int64_t)getpid());
		p = put_str(p, "}\n");
	} else {
		p = put_str(p, "\"}\n");
	}
	wr(buf, (size_t)(p - buf));
	errno = saved;
	if (touching) {
		touching = 0;
		siglongjmp(touch_jmp, 1);
	}
	/* Not touching (action-optional at injection, or action-required during madvise):
	 * returning is safe, the interrupted instruction did not access the page. */
}

/* ---- normal output (main flow only) ---- */
static void out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	wr(buf, (size_t)n);
}

static void die_setup(const char *what)
{
	out("{\"event\":\"error\",\"what\":\"%s\",\"errno\":%d,\"error\":\"%s\",\"kind\":\"%s\"}",
	    what, errno, strerror(errno), kind ? kind : "");
	exit(3);
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 31u + (i >> 12) * 7u + 0x5au) & 0xff);
}

static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(i);
}

static ssize_t pread_full(int fd, void *b, size_t n, off_t off)
{
	ssize_t r;
	do
		r = pread(fd, b, n, off);
	while (r < 0 && errno == EINTR);
	return r;
}

static int read_u64(const char *path, uint64_t index, uint64_t *v)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = pread_full(fd, v, 8, (off_t)(index * 8));
	int e = errno;
	close(fd);
	errno = e;
	return r == 8 ? 0 : -1;
}

static int pagemap_entry(const void *addr, uint64_t *e)
{
	return read_u64("/proc/self/pagemap", (uintptr_t)addr / SMALL, e);
}

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_FILE (1ULL << 61)
#define PM_PFN_MASK ((1ULL << 55) - 1)

static uint64_t kpageflags_of(uint64_t pfn, int *ok)
{
	uint64_t f = 0;
	*ok = read_u64("/proc/kpageflags", pfn, &f) == 0;
	return f;
}

static long smaps_kb(const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	char line[512];
	int in = 0;
	long kb = -1;
	size_t fl = strlen(field);
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, ' ')) {
			in = (uintptr_t)page >= lo && (uintptr_t)page < hi;
			continue;
		}
		if (in && strncmp(line, field, fl) == 0 && line[fl] == ':') {
			kb = strtol(line + fl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

static void *map_or_die(void *hint, size_t len, int prot, int flags, int fd)
{
	void *p = mmap(hint, len, prot, flags, fd, 0);
	if (p == MAP_FAILED)
		die_setup("mmap");
	return p;
}

static int open_file(const char *dir, int *created)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/victim-%ld.dat", dir, (long)getpid());
	snprintf(map_path, sizeof map_path, "%s", path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die_setup("open");
	*created = 1;
	return fd;
}

static void setup(const char *dir)
{
	int created = 0;
	page_size = SMALL;
	if (!strcmp(kind, "anon") || !strcmp(kind, "mlocked")) {
		page = map_or_die(map_at, n_pages * SMALL, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS |
				  (map_at ? MAP_FIXED_NOREPLACE : 0), -1);
		/* --sparse: only the first page is touched, the others stay not present */
		fill(page, (sparse ? 1 : n_pages) * SMALL);
		if (!strcmp(kind, "mlocked") && mlock(page, SMALL) != 0)
			die_setup("mlock");
	} else if (!strcmp(kind, "thp")) {
		page_size = HUGE;
		unsigned char *raw = map_or_die(NULL, 2 * HUGE, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1);
		page = (unsigned char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
		if (madvise(page, HUGE, MADV_HUGEPAGE) != 0)
			die_setup("madvise(MADV_HUGEPAGE)");
		fill(page, HUGE);
	} else if (!strcmp(kind, "hugetlb")) {
		page_size = HUGE;
		page = map_or_die(NULL, HUGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
		fill(page, HUGE);
	} else if (!strcmp(kind, "shmem")) {
		if (dir) {
			int fd = open_file(dir, &created);
			if (ftruncate(fd, SMALL) != 0)
				die_setup("ftruncate");
			page = map_or_die(NULL, SMALL, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
			close(fd);
		} else {
			page = map_or_die(NULL, SMALL, PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1);
		}
		fill(page, SMALL);
	} else if (!strcmp(kind, "file-dirty")) {
		if (!dir)
			dir = ".";
		int fd = open_file(dir, &created);
		if (ftruncate(fd, SMALL) != 0)
			die_setup("ftruncate");
		page = map_or_die(NULL, SMALL, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
		close(fd);
		fill(page, SMALL);
	} else if (!strcmp(kind, "file-clean")) {
		if (!dir)
			dir = ".";
		int fd = open_file(dir, &created);
		unsigned char buf[SMALL];
		fill(buf, SMALL);
		size_t done = 0;
		while (done < SMALL) {
			ssize_t r = write(fd, buf + done, SMALL - done);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				die_setup("write");
			done += (size_t)r;
		}
		if (fsync(fd) != 0)
			die_setup("fsync");
		page = map_or_die(NULL, SMALL, PROT_READ, MAP_SHARED, fd);
		close(fd);
		volatile unsigned char sink = 0;
		for (size_t i = 0; i < SMALL; i += 64)
			sink ^= page[i];
		(void)sink;
	} else {
		fprintf(stderr, "victim: unknown kind '%s'\n", kind);
		exit(2);
	}
}

static int verify(size_t len, int *intact)
{
	/* returns 1 if the read completed, 0 if a SIGBUS interrupted it */
	*intact = 0;
	touching = 1;
	if (sigsetjmp(touch_jmp, 1)) {
		touching = 0;
		phase = "idle";
		return 0;
	}
	int good = 1;
	for (size_t i = 0; i < len; i++) {
		if (((volatile unsigned char *)page)[i] != pattern(i)) {
			good = 0;
			break;
		}
	}
	touching = 0;
	*intact = good;
	return 1;
}

static void report_pfn(const char *event)
{
	uint64_t e = 0;
	int okr = pagemap_entry(page, &e) == 0;
	int present = okr && (e & PM_PRESENT);
	int swap = okr && (e & PM_SWAP);
	uint64_t pfn = present ? (e & PM_PFN_MASK) : 0;
	int fok = 0;
	uint64_t kf = present ? kpageflags_of(pfn, &fok) : 0;
	char extra[160] = "";
	if (swap && !present) /* a swap-type entry: bits 0-4 type, 5-54 offset */
		snprintf(extra, sizeof extra, ",\"swap_type\":%llu,\"swap_offset\":\"0x%llx\"",
			 (unsigned long long)(e & 31), (unsigned long long)((e & PM_PFN_MASK) >> 5));
	out("{\"event\":\"%s\",\"pfn\":\"0x%llx\",\"entry\":\"0x%llx\",\"present\":%s,\"swap\":%s,"
	    "\"kpageflags\":\"0x%llx\"%s}",
	    event, (unsigned long long)pfn, (unsigned long long)e, present ? "true" : "false",
	    swap ? "true" : "false", (unsigned long long)kf, extra);
}

static void do_madvise(const char *name, int advice)
{
	phase = advice == MADV_HWPOISON ? "madvise-hwpoison" : "madvise-soft-offline";
	int before = sigbus_count;
	int r = madvise(page, SMALL, advice);
	int e = r ? errno : 0;
	phase = "idle";
	out("{\"event\":\"madvise\",\"advice\":\"%s\",\"rc\":%d,\"errno\":%d,\"sigbus_during\":%d}",
	    name, r, e, sigbus_count - before);
}

/* read one line from fd 0, robust to EINTR; returns length, -1 at EOF */
static ssize_t read_line(char *buf, size_t cap)
{
	static char in[4096];
	static size_t have;
	for (;;) {
		char *nl = memchr(in, '\n', have);
		if (nl) {
			size_t n = (size_t)(nl - in);
			size_t c = n < cap - 1 ? n : cap - 1;
			memcpy(buf, in, c);
			buf[c] = 0;
			memmove(in, nl + 1, have - n - 1);
			have -= n + 1;
			return (ssize_t)c;
		}
		if (have == sizeof in)
			have = 0; /* overlong line: drop */
		ssize_t r = read(0, in + have, sizeof in - have);
		n_reads++;
		if (r < 0 && errno == EINTR) {
			n_eintr++;
			continue;
		}
		if (r <= 0) {
			if (have) { /* last line without newline */
				in[have] = '\n';
				have++;
				continue;
			}
			return -1;
		}
		have += (size_t)r;
	}
}

/* ---- helper modes ---- */
static int pagemap_of(long pid, uint64_t addr)
{
	char path[64];
	uint64_t e = 0;
	snprintf(path, sizeof path, "/proc/%ld/pagemap", pid);
	if (read_u64(path, addr / SMALL, &e) != 0) {
		out("{\"event\":\"pagemap\",\"pid\":%ld,\"addr\":\"0x%llx\",\"error\":\"%s\"}", pid,
		    (unsigned long long)addr, strerror(errno));
		return 1;
	}
	int present = (e & PM_PRESENT) != 0;
	out("{\"event\":\"pagemap\",\"pid\":%ld,\"addr\":\"0x%llx\",\"pfn\":\"0x%llx\","
	    "\"entry\":\"0x%llx\",\"present\":%s}", pid, (unsigned long long)addr,
	    (unsigned long long)(present ? e & PM_PFN_MASK : 0), (unsigned long long)e,
	    present ? "true" : "false");
	return 0;
}

static int find_kpf(int bit, uint64_t from, uint64_t to)
{
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		out("{\"event\":\"find-kpf\",\"bit\":%d,\"error\":\"%s\"}", bit, strerror(errno));
		return 1;
	}
	static uint64_t buf[512];
	for (uint64_t pfn = from; pfn < to;) {
		uint64_t n = to - pfn < 512 ? to - pfn : 512;
		ssize_t r = pread_full(fd, buf, n * 8, (off_t)(pfn * 8));
		if (r <= 0)
			break;
		for (uint64_t i = 0; i < (uint64_t)r / 8; i++) {
			if ((buf[i] >> bit) & 1) {
				out("{\"event\":\"find-kpf\",\"bit\":%d,\"pfn\":\"0x%llx\","
				    "\"flags\":\"0x%llx\"}", bit, (unsigned long long)(pfn + i),
				    (unsigned long long)buf[i]);
				close(fd);
				return 0;
			}
		}
		pfn += (uint64_t)r / 8;
	}
	close(fd);
	out("{\"event\":\"find-kpf\",\"bit\":%d,\"pfn\":null}", bit);
	return 1;
}

static int trace_other(long pid)
{
	if (ptrace(PTRACE_SEIZE, (pid_t)pid, NULL, NULL) != 0) {
		out("{\"event\":\"error\",\"what\":\"PTRACE_SEIZE\",\"errno\":%d,\"error\":\"%s\"}",
		    errno, strerror(errno));
		return 3;
	}
	out("{\"event\":\"tracing\",\"pid\":%ld,\"tracee\":%ld}", (long)getpid(), pid);
	for (;;) {
		int st;
		pid_t w = waitpid((pid_t)pid, &st, __WALL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return 0;
		if (WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st);
			if (st >> 16) /* an event stop (group stop with SEIZE: PTRACE_LISTEN) */
				ptrace(st >> 16 == PTRACE_EVENT_STOP ? PTRACE_LISTEN : PTRACE_CONT,
				       (pid_t)pid, NULL, NULL);
			else /* a signal-delivery-stop: pass the signal on */
				ptrace(PTRACE_CONT, (pid_t)pid, NULL, (void *)(long)sig);
		}
	}
}

static volatile unsigned long spin_count;
static const char *churn;        /* --churn exit|fork|exec, NULL if none */
static long churn_ms;            /* --churn-ms */
static char **churn_argv;        /* argv, for --churn exec */

static void *churn_noop(void *arg)
{
	return arg;
}

static void *churn_main(void *arg)
{
	(void)arg;
	for (;;) {
		if (churn_ms > 0) {
			struct timespec ts = {churn_ms / 1000, (churn_ms % 1000) * 1000000L};
			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
		if (!strcmp(churn, "exit")) {
			pthread_t t;
			if (pthread_create(&t, NULL, churn_noop, NULL) == 0)
				pthread_join(t, NULL);
		} else if (!strcmp(churn, "fork")) {
			pid_t c = fork();
			if (c == 0)
				_exit(0);
			if (c > 0)
				while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
					;
		} else {
			execv("/proc/self/exe", churn_argv);
			out("{\"event\":\"error\",\"what\":\"execv\",\"errno\":%d}", errno);
			return NULL;
		}
	}
	return NULL;
}
static void *thread_main(void *arg)
{
	long i = (long)arg;
	if (i % 2 == 0) {
		for (;;) {
			struct timespec ts = {1, 0};
			nanosleep(&ts, NULL);
		}
	}
	for (;;)
		spin_count++;
	return NULL;
}

/* The --fork child: map (read) the page, say so, then only wait for signals. */
static void child_main(int ready_fd)
{
	uint64_t e = 0;
	volatile unsigned char sink = 0;

	is_child = 1;
	for (size_t i = 0; i < SMALL; i += 64)
		sink ^= page[i];
	(void)sink;
	int okr = pagemap_entry(page, &e) == 0;
	int present = okr && (e & PM_PRESENT);
	out("{\"event\":\"child-ready\",\"proc\":\"child\",\"pid\":%ld,\"ppid\":%ld,"
	    "\"vaddr\":\"%p\",\"pfn\":\"0x%llx\",\"present\":%s}", (long)getpid(),
	    (long)getppid(), (void *)page, (unsigned long long)(present ? e & PM_PFN_MASK : 0),
	    present ? "true" : "false");
	if (write(ready_fd, "r", 1) != 1)
		_exit(3);
	close(ready_fd);
	for (;;)
		pause();
}

static void kill_child(void)
{
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		while (waitpid(child_pid, NULL, 0) < 0 && errno == EINTR)
			;
		child_pid = 0;
	}
}

static void start_child(void)
{
	int p[2];
	char c;

	if (pipe2(p, O_CLOEXEC) != 0)
		die_setup("pipe2");
	child_pid = fork();
	if (child_pid < 0)
		die_setup("fork");
	if (child_pid == 0) {
		close(p[0]);
		child_main(p[1]);
	}
	close(p[1]);
	ssize_t r;
	do
		r = read(p[0], &c, 1);
	while (r < 0 && errno == EINTR);
	close(p[0]);
	if (r != 1) {
		errno = ECHILD;
		die_setup("fork child");
	}
	atexit(kill_child);
}

static const char *mapping_of_kind(const char *k)
{
	if (!strcmp(k, "mlocked"))
		return "anon";
	if (!strcmp(k, "file-dirty") || !strcmp(k, "file-clean"))
		return "file";
	return k; /* anon, thp, hugetlb, shmem */
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	int handler = 1;
	long nthreads = 0;
	int do_fork = 0;
	long touch_after = -1;
	if (argc == 2 && !strcmp(argv[1], "--clock")) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		out("%lld", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "--sigdfl")) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "victim: %s: %s\n", argv[2], strerror(errno));
		return 127;
	}
	if (argc == 3 && !strcmp(argv[1], "--trace"))
		return trace_other(strtol(argv[2], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "--pagemap"))
		return pagemap_of(strtol(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "--find-kpf"))
		return find_kpf(atoi(argv[2]), strtoull(argv[3], NULL, 0),
				strtoull(argv[4], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "--kpageflags")) {
		/* helper for the guest script: victim --kpageflags PFN */
		uint64_t pfn = strtoull(argv[2], NULL, 0);
		int ok = 0;
		uint64_t f = kpageflags_of(pfn, &ok);
		if (!ok) {
			out("{\"event\":\"kpageflags\",\"pfn\":\"0x%llx\",\"error\":\"%s\"}",
			    (unsigned long long)pfn, strerror(errno));
			return 1;
		}
		out("{\"event\":\"kpageflags\",\"pfn\":\"0x%llx\",\"flags\":\"0x%llx\","
		    "\"hwpoison\":%s}", (unsigned long long)pfn, (unsigned long long)f,
		    (f >> 19) & 1 ? "true" : "false");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kind") && i + 1 < argc)
			kind = argv[++i];
		else if (!strncmp(argv[i], "--kind=", 7))
			kind = argv[i] + 7;
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strncmp(argv[i], "--dir=", 6))
			dir = argv[i] + 6;
		else if (!strcmp(argv[i], "--no-handler"))
			handler = 0;
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--fork"))
			do_fork = 1;
		else if (!strcmp(argv[i], "--at") && i + 1 < argc)
			map_at = (void *)(uintptr_t)strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--churn") && i + 1 < argc)
			churn = argv[++i];
		else if (!strcmp(argv[i], "--churn-ms") && i + 1 < argc)
			churn_ms = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--sparse"))
			sparse = 1;
		else if (!strcmp(argv[i], "--touch-after") && i + 1 < argc)
			touch_after = strtol(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--pages") && i + 1 < argc) {
			long n = strtol(argv[++i], NULL, 0);
			if (n < 1 || n > 4096) {
				fprintf(stderr, "victim: --pages must be 1..4096\n");
				return 2;
			}
			n_pages = (size_t)n;
		} else {
			fprintf(stderr, "usage: victim --kind anon|thp|hugetlb|shmem|file-dirty|"
					"file-clean|mlocked [--dir DIR] [--no-handler] [--threads N] "
					"[--fork] [--pages N]\n");
			return 2;
		}
	}
	if (!kind) {
		fprintf(stderr, "victim: --kind is required\n");
		return 2;
	}
	if (churn && strcmp(churn, "exit") && strcmp(churn, "fork") && strcmp(churn, "exec")) {
		fprintf(stderr, "victim: --churn exit|fork|exec\n");
		return 2;
	}
	churn_argv = argv;
	if (map_at && strcmp(kind, "anon")) {
		fprintf(stderr, "victim: --at needs --kind anon\n");
		return 2;
	}
	if (n_pages != 1 && strcmp(kind, "anon")) {
		fprintf(stderr, "victim: --pages needs --kind anon\n");
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (handler && sigaction(SIGBUS, &sa, NULL) != 0)
		die_setup("sigaction");
	signal(SIGPIPE, SIG_IGN);

	setup(dir);

	uint64_t e = 0;
	if (pagemap_entry(page, &e) != 0)
		die_setup("pagemap");
	if (!(e & PM_PRESENT)) {
		errno = EFAULT;
		die_setup("page not present");
	}
	uint64_t pfn = e & PM_PFN_MASK;
	if (pfn == 0) {
		errno = EPERM;
		die_setup("pagemap pfn is 0 (not root?)");
	}
	int fok = 0;
	uint64_t kf = kpageflags_of(pfn, &fok);
	long ahp = -1;
	if (!strcmp(kind, "thp")) {
		ahp = smaps_kb("AnonHugePages");
		if (!fok || !(kf & (1ULL << 22)) || ahp < 2048) {
			errno = ENOTSUP;
			out("{\"event\":\"error\",\"what\":\"no THP\",\"kpageflags\":\"0x%llx\","
			    "\"AnonHugePages_kb\":%ld,\"kind\":\"thp\"}",
			    (unsigned long long)kf, ahp);
			return 3;
		}
	}
	if (!strcmp(kind, "hugetlb") && fok && !(kf & (1ULL << 17))) {
		out("{\"event\":\"error\",\"what\":\"not a huge page\",\"kpageflags\":\"0x%llx\","
		    "\"kind\":\"hugetlb\"}", (unsigned long long)kf);
		return 3;
	}
	for (long i = 0; i < nthreads; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, thread_main, (void *)i) != 0)
			die_setup("pthread_create");
	}
	if (do_fork)
		start_child();
	char pathjson[4200] = "null", childjson[24] = "null";
	if (map_path[0])
		snprintf(pathjson, sizeof pathjson, "\"%s\"", map_path);
	if (child_pid > 0)
		snprintf(childjson, sizeof childjson, "%ld", (long)child_pid);
	out("{\"event\":\"ready\",\"pid\":%ld,\"vaddr\":\"%p\",\"pfn\":\"0x%llx\",\"page_size\":%zu,"
	    "\"kind\":\"%s\",\"mapping\":\"%s\",\"path\":%s,\"handler\":%s,\"threads\":%ld,"
	    "\"entry\":\"0x%llx\",\"kpageflags\":\"0x%llx\",\"AnonHugePages_kb\":%ld,"
	    "\"pages\":%zu,\"child\":%s,\"churn\":\"%s\",\"execs\":%s}",
	    (long)getpid(), (void *)page, (unsigned long long)pfn, page_size, kind,
	    mapping_of_kind(kind), pathjson, handler ? "true" : "false", nthreads,
	    (unsigned long long)e, (unsigned long long)kf, ahp, n_pages, childjson,
	    churn ? churn : "", getenv("VICTIM_EXECS") ? getenv("VICTIM_EXECS") : "0");
	if (churn) {
		pthread_t t;
		char n[24];
		const char *prev = getenv("VICTIM_EXECS");
		snprintf(n, sizeof n, "%ld", (prev ? strtol(prev, NULL, 10) : 0) + 1);
		setenv("VICTIM_EXECS", n, 1);
		if (pthread_create(&t, NULL, churn_main, NULL) != 0)
			die_setup("pthread_create");
	}

	if (touch_after >= 0) {
		struct timespec until;
		int intact, ok;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += touch_after / 1000;
		until.tv_nsec += (touch_after % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
			;
		phase = "touch";
		ok = verify(SMALL < page_size ? SMALL : page_size, &intact);
		phase = "idle";
		out("{\"event\":\"touched\",\"ok\":%s,\"intact\":%s}", ok ? "true" : "false",
		    ok && intact ? "true" : "false");
		out("{\"event\":\"exit\",\"sigbus_total\":%d}", (int)sigbus_count);
		return sigbus_count > 0 ? 0 : 1;
	}

	char line[256];
	int seq = 0;
	for (;;) {
		ssize_t n = read_line(line, sizeof line);
		if (n < 0)
			return 0;
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = 0;
		if (n == 0)
			continue;
		seq++;
		if (!strcmp(line, "touch")) {
			int intact;
			phase = "touch";
			int ok = verify(SMALL < page_size ? SMALL : page_size, &intact);
			phase = "idle";
			out("{\"event\":\"touched\",\"ok\":%s,\"intact\":%s}", ok ? "true" : "false",
			    ok && intact ? "true" : "false");
		} else if (!strcmp(line, "check")) {
			int intact;
			phase = "check";
			int ok = verify(page_size, &intact);
			phase = "idle";
			out("{\"event\":\"check\",\"ok\":%s,\"intact\":%s}", ok ? "true" : "false",
			    ok && intact ? "true" : "false");
		} else if (!strcmp(line, "pfn")) {
			report_pfn("pfn");
		} else if (!strcmp(line, "selfpoison")) {
			do_madvise("hwpoison", MADV_HWPOISON);
		} else if (!strcmp(line, "selfsoftoffline")) {
			do_madvise("soft-offline", MADV_SOFT_OFFLINE);
		} else if (!strcmp(line, "pin")) {
			int pfd[2];
			struct iovec iov = {page, SMALL};
			ssize_t r = pipe2(pfd, O_CLOEXEC) ? -1 : vmsplice(pfd[1], &iov, 1, 0);
			out("{\"event\":\"pin\",\"rc\":%zd,\"errno\":%d}", r, r < 0 ? errno : 0);
		} else if (!strcmp(line, "stats")) {
			out("{\"event\":\"stats\",\"reads\":%ld,\"eintr\":%ld,\"sigbus\":%d}", n_reads,
			    n_eintr, (int)sigbus_count);
		} else if (!strcmp(line, "exit")) {
			out("{\"event\":\"exit\",\"sigbus_total\":%d}", (int)sigbus_count);
			out("{\"event\":\"done\",\"cmd\":\"exit\",\"seq\":%d}", seq);
			return 0;
		} else {
			out("{\"event\":\"error\",\"what\":\"unknown command\",\"cmd\":\"%.64s\"}", line);
		}
		out("{\"event\":\"done\",\"cmd\":\"%.64s\",\"seq\":%d}", line, seq);
	}
}
