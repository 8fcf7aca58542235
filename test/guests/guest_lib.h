/* Tiny freestanding helpers for the test kernels: polled COM1 output and isa-debug-exit. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void putc_serial(char c) {
  while (!(inb(0x3fd) & 0x20)) {}
  outb(0x3f8, (u8)c);
}
static void puts_serial(const char *s) { while (*s) putc_serial(*s++); }
static void puthex(u64 v, int digits) {
  for (int i = digits - 1; i >= 0; i--) putc_serial("0123456789abcdef"[(v >> (4 * i)) & 0xf]);
}
static void field(const char *name, u64 v, int digits) {
  puts_serial(name); putc_serial('='); puthex(v, digits); putc_serial('\n');
}
static void field_str(const char *name, const char *s) {
  puts_serial(name); putc_serial('='); puts_serial(s ? s : "(null)"); putc_serial('\n');
}
/* The first n bytes of a module, printable ASCII only. */
static void field_bytes(const char *name, const u8 *p, u32 n) {
  puts_serial(name); putc_serial('=');
  for (u32 i = 0; i < n; i++) putc_serial(p[i] >= 32 && p[i] < 127 ? (char)p[i] : '.');
  putc_serial('\n');
}
/* isa-debug-exit at 0xf4: the emulator exits with status (code << 1) | 1. */
static void __attribute__((noreturn)) qemu_exit(u8 code) {
  outb(0xf4, code);
  for (;;) __asm__ volatile("cli; hlt");
}
#endif
