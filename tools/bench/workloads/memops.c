#include "common.h"
/* Byte and word copy/fill loops as compilers emit them for small structs and buffers
   (built with -fno-tree-loop-distribute-patterns so they stay loops, not libc calls). */
static u8 a[32768], b[32768];
static void fill(u8 *p, u8 v, u32 n) { for (u32 i = 0; i < n; i++) p[i] = v; }
static void copy(u8 *d, const u8 *s, u32 n) { for (u32 i = 0; i < n; i++) d[i] = s[i]; }
static void copy32(u32 *d, const u32 *s, u32 n) { for (u32 i = 0; i < n; i++) d[i] = s[i]; }
unsigned bench_main(void) {
  u32 sum = 0;
  for (int rep = 0; rep < 40; rep++) {
    fill(a, (u8)rep, sizeof a);
    copy(b, a, sizeof a);
    copy32((u32 *)a, (const u32 *)b, sizeof a / 4);
    sum += a[rep * 7] + b[rep * 13];
  }
  return sum;
}
