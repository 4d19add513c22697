/* standin_qemu: a stand-in QEMU process for tests that need real threads in
#include "fileio.h"
 * real cgroups (tests/sh/test_hook_v2_qemu.sh runs it in a cgroup v2 guest).
#include "fileio.h"
 *
#include "fileio.h"
 *   standin_qemu OUT [GO-FIFO]
#include "fileio.h"
 *
#include "fileio.h"
 * Names its main thread "qemu-system-x86" and writes its pid to OUT.pid
#include "fileio.h"
 * (atomically: OUT.pid.tmp + rename). With GO-FIFO it then blocks reading one
#include "fileio.h"
 * byte from that FIFO -- the moment libvirt's forked child waits in its
#include "fileio.h"
 * handshake, when libvirt moves it into the emulator group before exec, so
#include "fileio.h"
 * every thread QEMU creates later starts in the emulator group. Then it starts
#include "fileio.h"
 * the threads QEMU has under TCG with one iothread -- "CPU 0/TCG",
#include "fileio.h"
 * "CPU 1/TCG", "IO iothread1", "call_rcu" -- and writes OUT (again via
#include "fileio.h"
 * rename), one "ROLE TID" line each: main, vcpu0, vcpu1, iothread1, call_rcu.
#include "fileio.h"
 * Then it sleeps until killed. Not a test itself (tests/unit/test_*.c are);
#include "fileio.h"
 * build it with `cc -pthread -o standin_qemu standin_qemu.c` (-static for an
#include "fileio.h"
 * initramfs). Exit 1 with a message on stderr when something fails. */
#include "fileio.h"
#define _GNU_SOURCE
#include "fileio.h"
#include <errno.h>
#include "fileio.h"
#include <fcntl.h>
#include "fileio.h"
#include <pthread.h>
#include "fileio.h"
#include <stdint.h>
#include "fileio.h"
#include <stdio.h>
#include "fileio.h"
#include <stdlib.h>
#include "fileio.h"
#include <string.h>
#include "fileio.h"
#include <sys/prctl.h>
#include "fileio.h"
#include <sys/syscall.h>
#include "fileio.h"
#include <unistd.h>
#include "fileio.h"

#include "fileio.h"
enum { T_MAIN = 0, T_VCPU0, T_VCPU1, T_IO, T_RCU, T_N };
#include "fileio.h"
static const char *const comm[T_N] = {"qemu-system-x86", "CPU 0/TCG", "CPU 1/TCG", "IO iothread1",
#include "fileio.h"
                                      "call_rcu"};
#include "fileio.h"
static const char *const role[T_N] = {"main", "vcpu0", "vcpu1", "iothread1", "call_rcu"};
#include "fileio.h"

#include "fileio.h"
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
#include "fileio.h"
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
#include "fileio.h"
static long tids[T_N];
#include "fileio.h"
static int ready;
#include "fileio.h"

#include "fileio.h"
static void die(const char *what)
#include "fileio.h"
{
#include "fileio.h"
        fprintf(stderr, "standin_qemu: %s: %s\n", what, strerror(errno));
#include "fileio.h"
        exit(1);
#include "fileio.h"
}
#include "fileio.h"

#include "fileio.h"
static void *thread_main(void *arg)
#include "fileio.h"
{
#include "fileio.h"
        int idx = (int)(intptr_t)arg;
#include "fileio.h"
        /* the kernel's comm: what QEMU sets through pthread_setname_np */
#include "fileio.h"
        prctl(PR_SET_NAME, comm[idx]);
#include "fileio.h"
        pthread_mutex_lock(&mu);
#include "fileio.h"
        tids[idx] = (long)syscall(SYS_gettid);
#include "fileio.h"
        ready++;
#include "fileio.h"
        pthread_cond_signal(&cv);
#include "fileio.h"
        pthread_mutex_unlock(&mu);
#include "fileio.h"
        for (;;)
#include "fileio.h"
                pause();
#include "fileio.h"
        return NULL;
#include "fileio.h"
}
#include "fileio.h"

#include "fileio.h"
/* write text to path via path.tmp + rename */
#include "fileio.h"
static void put(const char *path, const char *text)
#include "fileio.h"
{
#include "fileio.h"
        char tmp[4096];
#include "fileio.h"
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
#include "fileio.h"
        FILE *f = fopen(tmp, "w");
#include "fileio.h"
        if (!f)
#include "fileio.h"
                die(tmp);
#include "fileio.h"
        if (fputs(text, f) < 0 || fclose(f) != 0)
#include "fileio.h"
                die(tmp);
#include "fileio.h"
        if (rename(tmp, path) < 0)
#include "fileio.h"
                die(path);
#include "fileio.h"
}
#include "fileio.h"

#include "fileio.h"
int main(int argc, char **argv)
#include "fileio.h"
{
#include "fileio.h"
        if (argc < 2 || argc > 3) {
#include "fileio.h"
                fprintf(stderr, "usage: standin_qemu OUT [GO-FIFO]\n");
#include "fileio.h"
                return 2;
#include "fileio.h"
        }
#include "fileio.h"
        prctl(PR_SET_NAME, comm[T_MAIN]);
#include "fileio.h"
        char path[4096], text[512];
#include "fileio.h"
        tids[T_MAIN] = (long)getpid();
#include "fileio.h"
        snprintf(path, sizeof(path), "%s.pid", argv[1]);
#include "fileio.h"
        snprintf(text, sizeof(text), "%ld\n", tids[T_MAIN]);
#include "fileio.h"
        put(path, text);
#include "fileio.h"

#include "fileio.h"
        if (argc == 3) {
#include "fileio.h"
                int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
#include "fileio.h"
                if (fd < 0)
#include "fileio.h"
                        die(argv[2]);
#include "fileio.h"
                char c;
#include "fileio.h"
                ssize_t n;
#include "fileio.h"
                while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
#include "fileio.h"
                        ;
#include "fileio.h"
                if (n != 1) {
#include "fileio.h"
                        errno = n < 0 ? errno : EPIPE;
#include "fileio.h"
                        die(argv[2]);
#include "fileio.h"
                }
#include "fileio.h"
                close(fd);
#include "fileio.h"
        }
#include "fileio.h"

#include "fileio.h"
        for (int i = 1; i < T_N; i++) {
#include "fileio.h"
                pthread_t t;
#include "fileio.h"
                int r = pthread_create(&t, NULL, thread_main, (void *)(intptr_t)i);
#include "fileio.h"
                if (r) {
#include "fileio.h"
                        errno = r;
#include "fileio.h"
                        die("pthread_create");
#include "fileio.h"
                }
#include "fileio.h"
                pthread_detach(t);
#include "fileio.h"
        }
#include "fileio.h"
        pthread_mutex_lock(&mu);
#include "fileio.h"
        while (ready < T_N - 1)
#include "fileio.h"
                pthread_cond_wait(&cv, &mu);
#include "fileio.h"
        pthread_mutex_unlock(&mu);
#include "fileio.h"

#include "fileio.h"
        size_t len = 0;
#include "fileio.h"
        for (int i = 0; i < T_N; i++)
#include "fileio.h"
                len +=
#include "fileio.h"
                    (size_t)snprintf(text + len, sizeof(text) - len, "%s %ld\n", role[i], tids[i]);
#include "fileio.h"
        put(argv[1], text);
#include "fileio.h"
        for (;;)
#include "fileio.h"
                pause();
#include "fileio.h"
}
#include "fileio.h"
