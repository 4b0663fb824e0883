/*
 * cpuid-mask: makes this process and its threads see a CPU without AVX-512, AVX-VNNI or AMX, so
 * that onnxruntime picks the kernels it runs on AVX2-only machines (AMD EPYC before Zen 4, older
 * Intel). Used by `npm run bench -- inference --isa avx2` (bench/isa.ts) as an LD_PRELOAD library.
 *
 * How: arch_prctl(ARCH_SET_CPUID, 0) makes the CPUID instruction fault (Intel "CPUID faulting",
 * /proc/cpuinfo flag cpuid_fault); the SIGSEGV handler runs the real CPUID with faulting briefly
 * off, clears the feature bits below and steps over the instruction. The setting is per thread
 * and inherited by threads created later, so the constructor arms it before main() starts any.
 * Node's WebAssembly trap handler must be off (--disable-wasm-trap-handler): it replaces this
 * handler and does not pass these faults on.
 *
 * What it cannot hide: glibc's own string functions, chosen by the loader before this library
 * runs, keep their AVX-512 versions; the CPU's caches, clock and memory stay this machine's.
 *
 * It reports through the environment, read by bench/isa.ts: FACEMAT_CPUID_MASK=active, or
 * "unsupported: <reason>" when the CPU or kernel cannot fault CPUID.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define ARCH_SET_CPUID 0x1012

static struct sigaction previous;

static void set_cpuid_faulting(int faulting) { syscall(SYS_arch_prctl, ARCH_SET_CPUID, faulting ? 0 : 1); }

static void hide_features(uint32_t leaf, uint32_t subleaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
  if (leaf == 7 && subleaf == 0) {
    /* EBX: AVX512F, DQ, IFMA, PF, ER, CD, BW, VL */
    *b &= ~((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31));
    /* ECX: AVX512_VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
    *c &= ~((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14));
    /* EDX: AVX512_4VNNIW, 4FMAPS, VP2INTERSECT, AMX_BF16, AVX512_FP16, AMX_TILE, AMX_INT8 */
    *d &= ~((1u << 2) | (1u << 3) | (1u << 8) | (1u << 22) | (1u << 23) | (1u << 24) | (1u << 25));
  } else if (leaf == 7 && subleaf == 1) {
    /* EAX: AVX_VNNI, AVX512_BF16, AMX_FP16, AVX_IFMA */
    *a &= ~((1u << 4) | (1u << 5) | (1u << 21) | (1u << 23));
  }
}

static void on_fault(int sig, siginfo_t *info, void *context) {
  ucontext_t *uc = context;
  greg_t *r = uc->uc_mcontext.gregs;
  const uint8_t *ip = (const uint8_t *)r[REG_RIP];
  if (ip[0] != 0x0f || ip[1] != 0xa2) {  /* not CPUID: a real fault, for whoever handled it before */
    if (previous.sa_flags & SA_SIGINFO) {
      previous.sa_sigaction(sig, info, context);
    } else {
      sigaction(SIGSEGV, &previous, NULL);  /* the fault repeats on return, under the old action */
    }
    return;
  }
  uint32_t leaf = (uint32_t)r[REG_RAX], subleaf = (uint32_t)r[REG_RCX];
  uint32_t a = leaf, b, c = subleaf, d;
  set_cpuid_faulting(0);
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
  set_cpuid_faulting(1);
  hide_features(leaf, subleaf, &a, &b, &c, &d);
  r[REG_RAX] = a;
  r[REG_RBX] = b;
  r[REG_RCX] = c;
  r[REG_RDX] = d;
  r[REG_RIP] += 2;
}

__attribute__((constructor)) static void arm(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, &previous) != 0) {
    setenv("FACEMAT_CPUID_MASK", "unsupported: cannot install a SIGSEGV handler", 1);
    return;
  }
  if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0) {
    char reason[160];
    snprintf(reason, sizeof reason, "unsupported: arch_prctl(ARCH_SET_CPUID) failed (%s); the CPU or kernel has no CPUID faulting (/proc/cpuinfo flag cpuid_fault)", strerror(errno));
    sigaction(SIGSEGV, &previous, NULL);
    setenv("FACEMAT_CPUID_MASK", reason, 1);
    return;
  }
  setenv("FACEMAT_CPUID_MASK", "active", 1);
}
