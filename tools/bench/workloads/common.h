/* Shared by the benchmark workloads: freestanding, no libc. Each workload defines
   `unsigned bench_main(void)` returning a checksum; start-up code calls it and halts with the
   checksum in EAX. Built with -DHOST_MAIN it becomes a host program that prints the checksum
   (the oracle the benchmark checks the emulator's result against). */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
typedef unsigned int u32;
typedef unsigned char u8;
typedef unsigned long long u64;
unsigned bench_main(void);
#ifdef HOST_MAIN
#include <stdio.h>
int main(void) { printf("%u\n", bench_main()); return 0; }
#else
__asm__(".section .text.start,\"ax\"\n.globl _start\n_start:\n call bench_main\n hlt\n1: jmp 1b\n.previous\n");
#endif
#endif
