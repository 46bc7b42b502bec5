/* fault.h — helpers of the fault-injection suites (tests/faults): find
 * the processes of one box by program name, kill them at chosen moments,
 * and run pbox under a resource limit. Linked into every test binary. */
#ifndef PBOX_TEST_FAULT_H
#define PBOX_TEST_FAULT_H

#include <stdbool.h>
#include <sys/types.h>

#include "harness.h"

/* A live (not zombie) process whose comm is exactly comm and whose
 * cmdline mentions name; with ppid > 0 also a child of ppid. The lowest
 * such pid, or 0 if none. */
pid_t fault_find(const char *comm, const char *name, pid_t ppid);
/* A live process whose comm is comm, in box NAME's cgroup (pbox-NAME or
 * below it on any hierarchy); the lowest pid, or 0. */
pid_t fault_find_in_box(const char *comm, const char *name);
/* Poll fault_find every 0.2 ms until found or timeout_s; 0 if not. */
pid_t fault_find_wait(const char *comm, const char *name, pid_t ppid,
                      double timeout_s);
/* Running (exists and not a zombie). */
bool fault_alive(pid_t pid);
/* Sleep ms milliseconds (restarted on EINTR). */
void fault_sleep_ms(double ms);
/* leftovers(), not counting mount lines of mount point mp (a tmpfs the
 * test itself mounted beneath the box's tmp dir). */
int fault_leftovers_except(const char *name, const char *data_dir,
                           const char *mp, char *report, size_t len);
/* Start argv (a full argv, argv[0] a path) in the background like
 * run_start, but with RLIMIT_NOFILE nofile (soft and hard) in the child
 * and stdout sent to out_fd when out_fd >= 0 (else captured). */
int fault_run_start(struct run_proc *p, const char *const argv[], int nofile,
                    int out_fd);

#endif
