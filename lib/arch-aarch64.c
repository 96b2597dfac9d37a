/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 half of remote syscall injection (see arch.h).
 *
 * Registers through PTRACE_GETREGSET/SETREGSET NT_PRSTATUS (user_pt_regs).
 * The kernel rewinds an interrupted syscall (pc -= 4, x0 = orig_x0) before
 * the ptrace stop and forgets the syscall number, so unlike x86-64 nothing
 * needs clearing: restoring the saved registers restarts it.  The restart
 * decision is taken before the stop, though (arch/arm64/kernel/signal.c
 * do_signal()): a signal delivered when the injection ends would run its
 * handler and the restored syscall then restart where x86-64 returns
 * -EINTR (-ERESTARTNOHAND: pause, ppoll; -ERESTART_RESTARTBLOCK sleeps
 * restarted with their whole timeout; measured with test-remote on 6.12,
 * tests/vm/arm64).  HWPI_ARCH_RESTART_BEFORE_STOP (arch.h) makes remote.c
 * let the thread re-enter its syscall first (rm_reenter()).
 *
 * The step over "svc #0" ends in a SIGTRAP with SI_USER (see
 * hwpi__arch_is_step_trap()), which the kernel does not count as a
 * synchronous signal; remote.c copes with the consequence.
 */
#include "arch.h"

#if defined(__aarch64__)

#include <elf.h>
#include <errno.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#define ARM64_PSTATE_RW_32 0x00000010UL	/* PSR_MODE32_BIT: AArch32 task */

const struct hwpi_arch_insn hwpi__arch_syscall_insn = {
	.bytes = { 0x01, 0x00, 0x00, 0xd4 },	/* svc #0 = 0xd4000001, little endian */
	.len = 4,
	.align = 4,
};

int hwpi__arch_get_regs(pid_t tid, hwpi_regs_t *regs)
{
	struct iovec iov = { .iov_base = regs, .iov_len = sizeof(*regs) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)(long)NT_PRSTATUS, &iov) < 0)
		return -errno;
	if (iov.iov_len != sizeof(*regs))
		return -EOPNOTSUPP;	/* a compat (AArch32) regset */
	return 0;
}

int hwpi__arch_set_regs(pid_t tid, const hwpi_regs_t *regs)
{
	struct iovec iov = { .iov_base = (void *)regs, .iov_len = sizeof(*regs) };

	if (ptrace(PTRACE_SETREGSET, tid, (void *)(long)NT_PRSTATUS, &iov) < 0)
		return -errno;
	return 0;
}

int hwpi__arch_check(const hwpi_regs_t *regs, const char **why)
{
	if (regs->pstate & ARM64_PSTATE_RW_32) {
		*why = "it runs in AArch32 mode; only 64-bit processes are supported";
		return -EOPNOTSUPP;
	}
	return 0;
}

void hwpi__arch_setup_syscall(hwpi_regs_t *regs, uint64_t insn, long nr, const long args[6])
{
	regs->pc = insn;
	regs->regs[8] = (uint64_t)nr;
	for (int i = 0; i < 6; i++)
		regs->regs[i] = (uint64_t)args[i];
}

long hwpi__arch_syscall_ret(const hwpi_regs_t *regs)
{
	return (long)regs->regs[0];
}

uint64_t hwpi__arch_pc(const hwpi_regs_t *regs)
{
	return regs->pc;
}

bool hwpi__arch_is_step_trap(const siginfo_t *si)
{
	/*
	 * arm64 has no user_single_step_report(): the generic one sends
	 * SIGTRAP with SI_USER and si_pid 0 after a stepped svc; a hardware
	 * step exception gives TRAP_TRACE/TRAP_HWBKPT.
	 */
	if (si->si_signo != SIGTRAP)
		return false;
	return si->si_code > 0 || (si->si_code == SI_USER && si->si_pid == 0);
}

#else
typedef int hwpi_arch_aarch64_unused;
#endif
