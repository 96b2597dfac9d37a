/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* x86-64 half of remote syscall injection (see arch.h). */
#include "arch.h"

#if defined(__x86_64__)

#include <errno.h>
#include <sys/ptrace.h>

/* user code segment selectors (arch/x86/include/asm/segment.h) */
#define X86_USER_CS 0x33
#define X86_USER32_CS 0x23

const struct hwpi_arch_insn hwpi__arch_syscall_insn = {
	.bytes = { 0x0f, 0x05 },	/* syscall */
	.len = 2,
	.align = 1,
};

int hwpi__arch_get_regs(pid_t tid, hwpi_regs_t *regs)
{
	if (ptrace(PTRACE_GETREGS, tid, NULL, regs) < 0)
		return -errno;
	return 0;
}

int hwpi__arch_set_regs(pid_t tid, const hwpi_regs_t *regs)
{
	if (ptrace(PTRACE_SETREGS, tid, NULL, regs) < 0)
		return -errno;
	return 0;
}

int hwpi__arch_check(const hwpi_regs_t *regs, const char **why)
{
	if (regs->cs == X86_USER_CS)
		return 0;
	if (regs->cs == X86_USER32_CS)
		*why = "it runs in 32-bit mode; only 64-bit processes are supported";
	else
		*why = "it runs with an unexpected code segment";
	return -EOPNOTSUPP;
}

void hwpi__arch_setup_syscall(hwpi_regs_t *regs, uint64_t insn, long nr, const long args[6])
{
	regs->rip = insn;
	regs->rax = (unsigned long)nr;
	/*
	 * Not in a syscall: otherwise, when the thread was stopped inside
	 * one (rax = -ERESTART*), the kernel's restart logic would rewrite
	 * rax and rip on the way out of the stop.
	 */
	regs->orig_rax = (unsigned long)-1;
	regs->rdi = (unsigned long)args[0];
	regs->rsi = (unsigned long)args[1];
	regs->rdx = (unsigned long)args[2];
	regs->r10 = (unsigned long)args[3];
	regs->r8 = (unsigned long)args[4];
	regs->r9 = (unsigned long)args[5];
}

long hwpi__arch_syscall_ret(const hwpi_regs_t *regs)
{
	return (long)regs->rax;
}

uint64_t hwpi__arch_pc(const hwpi_regs_t *regs)
{
	return regs->rip;
}

bool hwpi__arch_is_step_trap(const siginfo_t *si)
{
	/* user_single_step_report(): TRAP_BRKPT; a debug trap: TRAP_TRACE */
	return si->si_signo == SIGTRAP && si->si_code > 0;
}

#else
typedef int hwpi_arch_x86_64_unused;
#endif
