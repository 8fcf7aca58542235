#include "common.h"
/* An integer instruction mix: calls, multiplies, divides, shifts, compares and branches. */
static u32 state = 1;
__attribute__((noinline)) static u32 next(void) { state ^= state << 13; state ^= state >> 17; state ^= state << 5; return state; }
__attribute__((noinline)) static u32 gcd(u32 a, u32 b) { while (b) { u32 t = a % b; a = b; b = t; } return a; }
unsigned bench_main(void) {
  u32 acc = 0;
  u64 wide = 7;
  for (int i = 0; i < 300000; i++) {
    u32 x = next(), y = next() | 1;
    acc += gcd(x & 0xffff, y & 0xfff);
    acc ^= (x * 2654435761u) >> (y & 15);
    wide = wide * 6364136223846793005ull + x;
    if ((int)x < 0) acc += 3; else acc -= 1;
    switch (x & 3) { case 0: acc += y; break; case 1: acc ^= y; break; case 2: acc -= y; break; default: acc = acc * 3; }
  }
  return acc ^ (u32)(wide >> 32);
}
