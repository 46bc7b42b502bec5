/* supervise.c — pbox-initproc with --init: a minimal PID 1 that reaps
 * orphans and forwards signals to INIT (like `docker run --init`), then
 * exits with INIT's status. Runs inside the box; before supervising it
 * drops every capability but CAP_KILL (INIT may run as another uid) and
 * sets no_new_privs, since it creates no more processes. */
#include <cap-ng.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "initproc.h"
#include "seccomp.h"

static void confine_self(void)
{
        capng_clear(CAPNG_SELECT_BOTH);
        capng_update(CAPNG_ADD,
                     CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
                     CAP_KILL);
        (void)capng_apply(CAPNG_SELECT_BOTH);
        (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static int status_of(int st)
{
        if (WIFEXITED(st))
                return WEXITSTATUS(st);
        if (WIFSIGNALED(st))
                return 128 + WTERMSIG(st);
        return 125;
}

int initproc_supervise(pid_t child)
{
        sigset_t all;

        confine_self();
        if (initproc_seccomp_install() < 0)
                return 125;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);

                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        (void)kill(child, sig);
                        continue;
                }
                for (;;) {
                        int st;
                        pid_t p = waitpid(-1, &st, WNOHANG);

                        if (p <= 0)
                                break;
                        if (p == child)
                                return status_of(st);
                }
        }
}
