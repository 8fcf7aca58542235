/* QEMU TCG plugin: measure the guest code between two addresses (plugin args
   start=0x...,end=0x...), i.e. the workload between the multiboot stub's bench_start and
   bench_end labels, excluding SeaBIOS and the multiboot load.
   - Time (always): a callback on the two marker instructions reads CLOCK_MONOTONIC and the
     vCPU thread's CPU clock, so host scheduling and pipe latency stay out of the span. With
     count=off nothing else is instrumented (timed runs).
   - Count (count=on): one inline 64-bit add of the block's instruction count at the start of
     every executed translation block; the marker callback snapshots the counter minus the
     instructions of its block that have not run yet.
   Debian ships no qemu-plugin.h, so the few API entries used are declared here as the QEMU
   7.2 plugin API (docs/devel/tcg-plugins.rst, API version 1) defines them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS = 0 };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
    void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
    void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
    void (*cb)(unsigned int vcpu_index, void *userdata), enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t id, void *userdata),
    void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t executed;            /* instructions of every block entered so far */
static uint64_t start_addr, end_addr;
static uint64_t at_start, at_end;
static int seen_start, seen_end;
static int counting;
static struct timespec wall0, wall1, cpu0, cpu1;

static uint64_t ns_between(const struct timespec *a, const struct timespec *b) {
  return (uint64_t)(b->tv_sec - a->tv_sec) * 1000000000u + (uint64_t)b->tv_nsec - (uint64_t)a->tv_nsec;
}

/* userdata packs (is_end << 32) | instructions of the block after this one */
static void on_marker(unsigned int vcpu, void *userdata) {
  (void)vcpu;
  uint64_t u = (uint64_t)(uintptr_t)userdata;
  uint64_t now = executed - (u & 0xffffffffu);
  if (u >> 32) {
    if (seen_start && !seen_end) {
      clock_gettime(CLOCK_MONOTONIC, &wall1); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
      at_end = now; seen_end = 1;
    }
  } else if (!seen_start) {
    at_start = now; seen_start = 1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0); clock_gettime(CLOCK_MONOTONIC, &wall0);
  }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  if (counting) qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, n);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    uint64_t va = qemu_plugin_insn_vaddr(insn);
    if (va != start_addr && va != end_addr) continue;
    uint64_t u = ((uint64_t)(va == end_addr) << 32) | (uint64_t)(n - 1 - i);
    qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)u);
  }
}

static void report_at_exit(qemu_plugin_id_t id, void *userdata) {
  (void)id; (void)userdata;
  char line[160];
  if (seen_start && seen_end)
    snprintf(line, sizeof line, "insn_count workload=%llu total=%llu wall_ns=%llu cpu_ns=%llu\n",
             (unsigned long long)(counting ? at_end - at_start : 0), (unsigned long long)executed,
             (unsigned long long)ns_between(&wall0, &wall1), (unsigned long long)ns_between(&cpu0, &cpu1));
  else
    snprintf(line, sizeof line, "insn_count markers-missing start=%d end=%d total=%llu\n",
             seen_start, seen_end, (unsigned long long)executed);
  qemu_plugin_outs(line);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "start=", 6) == 0) start_addr = strtoull(argv[i] + 6, NULL, 0);
    else if (strncmp(argv[i], "end=", 4) == 0) end_addr = strtoull(argv[i] + 4, NULL, 0);
    else if (strcmp(argv[i], "count=on") == 0) counting = 1;
  }
  if (!start_addr || !end_addr) return -1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, report_at_exit, NULL);
  return 0;
}
