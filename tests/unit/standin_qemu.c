/* SPDX-License-Identifier: GPL-2.0-or-later */
/* standin_qemu: a stand-in QEMU process for tests that need real threads in
 * real cgroups (tests/sh/test_hook_v2_qemu.sh runs it in a cgroup v2 guest).
 *
 *   standin_qemu OUT [GO-FIFO|-] [VCPUS]
 *
 * Names its main thread "qemu-system-x86" and writes its pid to OUT.pid
 * (atomically: OUT.pid.tmp + rename). With GO-FIFO it then blocks reading one
 * byte from that FIFO -- the moment libvirt's forked child waits in its
 * handshake, when libvirt moves it into the emulator group before exec, so
 * every thread QEMU creates later starts in the emulator group. Then it starts
 * the threads QEMU has under TCG with one iothread -- "CPU 0/TCG" ...
 * "CPU VCPUS-1/TCG" (VCPUS defaults to 2), "IO iothread1", "call_rcu" -- and
 * writes OUT (again via rename), one "ROLE TID" line each: main, vcpu0 ...,
 * iothread1, call_rcu. Then it sleeps until killed (tests/sh/guarantee_model.py
 * runs many, one per fake VM). Not a test itself (tests/unit/test_*.c are);
 * build it with `cc -pthread -o standin_qemu standin_qemu.c` (-static for an
 * initramfs). Exit 1 with a message on stderr when something fails. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

enum { MAX_VCPUS = 64, T_MAX = MAX_VCPUS + 3 };
static char comm[T_MAX][16];
static char role[T_MAX][16];
static int n_threads;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long tids[T_MAX];
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
        int vcpus = argc > 3 ? atoi(argv[3]) : 2;
        if (argc < 2 || argc > 4 || vcpus < 1 || vcpus > MAX_VCPUS) {
                fprintf(stderr, "usage: standin_qemu OUT [GO-FIFO|-] [VCPUS 1-%d]\n", MAX_VCPUS);
                return 2;
        }
        /* main, the vCPUs, one iothread and call_rcu, named as QEMU names them */
        snprintf(comm[0], sizeof(comm[0]), "qemu-system-x86");
        snprintf(role[0], sizeof(role[0]), "main");
        for (int i = 0; i < vcpus; i++) {
                snprintf(comm[1 + i], sizeof(comm[0]), "CPU %d/TCG", i);
                snprintf(role[1 + i], sizeof(role[0]), "vcpu%d", i);
        }
        snprintf(comm[vcpus + 1], sizeof(comm[0]), "IO iothread1");
        snprintf(role[vcpus + 1], sizeof(role[0]), "iothread1");
        snprintf(comm[vcpus + 2], sizeof(comm[0]), "call_rcu");
        snprintf(role[vcpus + 2], sizeof(role[0]), "call_rcu");
        n_threads = vcpus + 3;
        prctl(PR_SET_NAME, comm[0]);
        char path[4096], text[4096];
        tids[0] = (long)getpid();
        snprintf(path, sizeof(path), "%s.pid", argv[1]);
        snprintf(text, sizeof(text), "%ld\n", tids[0]);
        put(path, text);

        if (argc >= 3 && strcmp(argv[2], "-") != 0) {
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

        for (int i = 1; i < n_threads; i++) {
                pthread_t t;
                int r = pthread_create(&t, NULL, thread_main, (void *)(intptr_t)i);
                if (r) {
                        errno = r;
                        die("pthread_create");
                }
                pthread_detach(t);
        }
        pthread_mutex_lock(&mu);
        while (ready < n_threads - 1)
                pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);

        size_t len = 0;
        for (int i = 0; i < n_threads; i++)
                len +=
                    (size_t)snprintf(text + len, sizeof(text) - len, "%s %ld\n", role[i], tids[i]);
        put(argv[1], text);
        for (;;)
                pause();
}
