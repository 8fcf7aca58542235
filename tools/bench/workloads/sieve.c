#include "common.h"
#define N 200000
static u8 flags[N];
unsigned bench_main(void) {
  unsigned total = 0;
  for (int rep = 0; rep < 6; rep++) {
    for (int i = 0; i < N; i++) flags[i] = 1;
    unsigned count = 0;
    for (int i = 2; i < N; i++) {
      if (flags[i]) {
        count++;
        for (int k = i + i; k < N; k += i) flags[k] = 0;
      }
    }
    total += count;
  }
  return total;
}
