#include "common.h"
static u32 table[256];
static u8 buf[65536];
unsigned bench_main(void) {
  for (u32 i = 0; i < 256; i++) {
    u32 c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  u32 x = 12345;
  for (u32 i = 0; i < sizeof buf; i++) { x = x * 1103515245u + 12345u; buf[i] = (u8)(x >> 16); }
  u32 crc = 0;
  for (int rep = 0; rep < 24; rep++) {
    u32 c = ~crc;
    for (u32 i = 0; i < sizeof buf; i++) c = table[(c ^ buf[i]) & 0xff] ^ (c >> 8);
    crc = ~c;
  }
  return crc;
}
