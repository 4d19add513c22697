/* standin_qemu: a stand-in QEMU process for tests that need real threads in
 * real cgroups (tests/sh/test_hook_v2_qemu.sh runs it in a cgroup v2 guest).
 *
 *   standin_qemu OUT [GO-FIFO]
 *
 * Names its main thread "qemu-system-x86" and writes its pid to OUT.pid
 * (atomically: OUT.pid.tmp + rename). With GO-FIFO it then blocks reading one
 * byte from that FIFO -- the moment libvirt's forked child waits in its
 * handshake, when libvirt moves it into the emulator group before exec, so
 * every thread QEMU creates later starts in the emulator group. Then it starts
 * the threads QEMU has under TCG with one iothread -- "CPU 0/TCG",
 * "CPU 1/TCG", "IO iothread1", "call_rcu" -- and writes OUT (again via
 * rename), one "ROLE TID" line each: main, vcpu0, vcpu1, iothread1, call_rcu.
 * Then it sleeps until killed. Not a test itself (tests/unit/test_*.c are);
 * build it with `cc -pthread -o standin_qemu standin_qemu.c` (-static for an
 * initramfs). Exit 1 with a message on stderr when something fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { T_MAIN = 0, T_VCPU0, T_VCPU1, T_IO, T_RCU, T_N };
static const char *const comm[T_N] = {"qemu-system-x86", "CPU 0/TCG", "CPU 1/TCG", "IO iothread1",
                                      "call_rcu"};
static const char *const role[T_N] = {"main", "vcpu0", "vcpu1", "iothread1", "call_rcu"};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long tids[T_N];
static int ready;

static void die(const char *what)
{
        fprintf(stderr, "standin_qemu: %s: %s\n", what, strerror(errno));
        exit(1);
}

static void *thread_main(void *arg)
{
        int idx = (int)(intptr_t)arg;
        /* the kernel's comm: what QEMU sets through pthread_setname_np */
        prctl(PR_SET_NAME, comm[idx]);
        pthread_mutex_lock(&mu);
        tids[idx] = (long)syscall(SYS_gettid);
        ready++;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
        for (;;)
                pause();
        return NULL;
}

/* write text to path via path.tmp + rename */
static void put(const char *path, const char *text)
{
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (!f)
                die(tmp);
        if (fputs(text, f) < 0 || fclose(f) != 0)
                die(tmp);
        if (rename(tmp, path) < 0)
                die(path);
}

int main(int argc, char **argv)
{
        if (argc < 2 || argc > 3) {
                fprintf(stderr, "usage: standin_qemu OUT [GO-FIFO]\n");
                return 2;
        }
        prctl(PR_SET_NAME, comm[T_MAIN]);
        char path[4096], text[512];
        tids[T_MAIN] = (long)getpid();
        snprintf(path, sizeof(path), "%s.pid", argv[1]);
        snprintf(text, sizeof(text), "%ld\n", tids[T_MAIN]);
        put(path, text);

        if (argc == 3) {
                int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        die(argv[2]);
                char c;
                ssize_t n;
                while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
                        ;
                if (n != 1) {
                        errno = n < 0 ? errno : EPIPE;
                        die(argv[2]);
                }
                close(fd);
        }

        for (int i = 1; i < T_N; i++) {
                pthread_t t;
                int r = pthread_create(&t, NULL, thread_main, (void *)(intptr_t)i);
                if (r) {
                        errno = r;
                        die("pthread_create");
                }
                pthread_detach(t);
        }
        pthread_mutex_lock(&mu);
        while (ready < T_N - 1)
                pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);

        size_t len = 0;
        for (int i = 0; i < T_N; i++)
                len +=
                    (size_t)snprintf(text + len, sizeof(text) - len, "%s %ld\n", role[i], tids[i]);
        put(argv[1], text);
        for (;;)
                pause();
}
