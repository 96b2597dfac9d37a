/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The architecture-specific half of remote syscall injection (remote.c):
 * registers, the syscall instruction, where the number, arguments and
 * return value live.  One arch-<name>.c implements it for each supported
 * architecture; each file compiles to nothing on the others.
 */
#ifndef HWPI_ARCH_H
#define HWPI_ARCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

#if defined(__x86_64__)
#include <sys/user.h>
#define HWPI_ARCH_REMOTE 1
typedef struct user_regs_struct hwpi_regs_t;
#elif defined(__aarch64__)
#include <asm/ptrace.h>
#define HWPI_ARCH_REMOTE 1
typedef struct user_pt_regs hwpi_regs_t;
#else
#define HWPI_ARCH_REMOTE 0
typedef struct {
	long unused;
} hwpi_regs_t;
#endif

/*
 * 1 if the kernel takes its syscall-restart decision *before* the ptrace
 * stop of an interrupted syscall and keeps it in locals of that round of
 * signal handling (arm64 do_signal(): pc -= 4, x0 = orig_x0, the syscall
 * forgotten, "retval" remembered on the stack).  A signal delivered when
 * the injection ends is then handled in the injected syscall's round, and
 * the target's restored syscall restarts after the handler where it must
 * return -EINTR.  remote.c then lets the thread re-enter its own syscall
 * before it releases the signal (rm_reenter()).  0 where the decision is
 * taken after the stop from registers that restoring brings back (x86-64:
 * orig_rax and rax = -ERESTART*): nothing extra is done there.
 */
#if defined(__aarch64__)
#define HWPI_ARCH_RESTART_BEFORE_STOP 1
#else
#define HWPI_ARCH_RESTART_BEFORE_STOP 0
#endif

/* The syscall instruction as it appears in memory ("0f 05", "svc #0"). */
struct hwpi_arch_insn {
	unsigned char bytes[4];
	size_t len;
	size_t align;	/* the instruction must start at a multiple of this */
};

#if HWPI_ARCH_REMOTE
extern const struct hwpi_arch_insn hwpi__arch_syscall_insn;

/* All general registers of a ptrace-stopped thread.  0 or -errno. */
int hwpi__arch_get_regs(pid_t tid, hwpi_regs_t *regs);
int hwpi__arch_set_regs(pid_t tid, const hwpi_regs_t *regs);

/*
 * 0 if a syscall of this (native) ABI can be injected into the thread whose
 * registers these are; otherwise -EOPNOTSUPP and *why says why (a 32-bit
 * process on a 64-bit kernel, ...).
 */
int hwpi__arch_check(const hwpi_regs_t *regs, const char **why);

/*
 * Turn REGS into "execute syscall NR(ARGS) at INSN": program counter,
 * number, six arguments, and whatever keeps the kernel's syscall-restart
 * logic away from them (x86-64: orig_rax = -1).
 */
void hwpi__arch_setup_syscall(hwpi_regs_t *regs, uint64_t insn, long nr, const long args[6]);

/* The syscall's return value (0.., or -errno) at the stop after it. */
long hwpi__arch_syscall_ret(const hwpi_regs_t *regs);

/* Program counter. */
uint64_t hwpi__arch_pc(const hwpi_regs_t *regs);

/*
 * Whether SI is the SIGTRAP the kernel sends for a PTRACE_SINGLESTEP over
 * the syscall instruction (x86-64: TRAP_BRKPT/TRAP_TRACE; arm64: SI_USER
 * with si_pid 0) rather than a SIGTRAP someone sent.
 */
bool hwpi__arch_is_step_trap(const siginfo_t *si);
#endif

/*
 * remote.c: run syscall NR with ARGS inside PID (a process or one of its
 * threads) by ptrace syscall injection; *ret gets the syscall's return
 * (a value or -errno).  Signals the target receives while the syscall runs
 * are recorded in R (if not NULL) and passed on to the target with their
 * siginfo unchanged; other signals that arrive meanwhile stay pending and
 * are delivered after the target is released.  The target is detached and
 * running (or stopped, if it was job-control stopped) on every return.
 *
 * Returns 0 if the syscall ran; otherwise a negative errno with the
 * context's message set:
 *  -ESRCH       no such process, a zombie, or it exited meanwhile
 *               (R.target_state/target_status say how, if it was seen)
 *  -EBUSY       already traced (the message names the tracer), or stuck in
 *               uninterruptible sleep
 *  -EPERM       ptrace not permitted (Yama, capabilities), kernel thread
 *  -EINVAL      PID is the caller itself
 *  -EOPNOTSUPP  architecture or target ABI not supported
 *  -EFAULT      no syscall instruction found / it could not be executed
 */
int hwpi__remote_syscall(struct hwpi_ctx *ctx, pid_t pid, long nr, const long args[6], long *ret,
			 struct hwpi_report *r);

#endif
