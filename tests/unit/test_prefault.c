/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vp_prefault: the pages it populates are the ones later mallocs and deeper
 * frames use (counted as minor faults that do not happen), and a range it
 * cannot populate is an error that loses nothing. Each case runs in a fresh
 * child so that one case's heap is not the next one's. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prefault.h"
#include "fileio.h"
#include "tap.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

enum { HEAP_BLOCKS = 320, BLOCK = 512, FRAMES = 24, FRAME = 1024 };

static long minflt(void)
{
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_minflt;
}

/* 160 KiB of small blocks, each written (kept until exit). */
static void heap_work(void)
{
        for (int i = 0; i < HEAP_BLOCKS; i++) {
                char *p = malloc(BLOCK);
                if (!p)
                        abort();
                memset(p, i, BLOCK);
        }
}

/* FRAMES frames of FRAME bytes each, each written. */
static __attribute__((noinline)) int stack_work(int depth)
{
        volatile char frame[FRAME];
        memset((char *)frame, depth, sizeof(frame));
        return depth ? stack_work(depth - 1) + frame[depth] : frame[0];
}

typedef struct {
        int ret;        /* vp_prefault's */
        long heap_flt;  /* minor faults of heap_work */
        long stack_flt; /* minor faults of stack_work */
} outcome;

static outcome run(size_t heap, size_t stack)
{
        outcome o = {.ret = 1};
        int fds[2];
        if (pipe(fds) < 0)
                return o;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                close(fds[0]);
                outcome c = {0};
                c.ret = heap || stack ? vp_prefault(heap, stack) : 0;
                /* warm the code and the rusage path before counting */
                (void)minflt();
                long f0 = minflt();
                heap_work();
                long f1 = minflt();
                stack_work(FRAMES);
                long f2 = minflt();
                c.heap_flt = f1 - f0;
                c.stack_flt = f2 - f1;
                ssize_t w = write(fds[1], &c, sizeof(c));
                _exit(w == (ssize_t)sizeof(c) ? 0 : 1);
        }
        close(fds[1]);
        if (pid > 0 && read(fds[0], &o, sizeof(o)) != (ssize_t)sizeof(o))
                o.ret = 1;
        close(fds[0]);
        if (pid > 0)
                waitpid(pid, NULL, 0);
        return o;
}

/* MADV_POPULATE_WRITE is Linux 5.14. */
static bool kernel_populates(void)
{
        struct utsname u;
        int maj = 0, min = 0;
        if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &maj, &min) != 2)
                return false;
        return maj > 5 || (maj == 5 && min >= 14);
}

int main(void)
{
        bool counts = !RUNNING_ON_VALGRIND && !UNDER_ASAN;
        bool pop = kernel_populates();
        int want = pop ? 0 : -EINVAL;

        /* valgrind runs the program on a stack of its own, mapped as it
         * grows: populating below it is the -ENOMEM case */
        int want_stack = pop && RUNNING_ON_VALGRIND ? -ENOMEM : want;

        outcome none = run(0, 0);
        outcome both = run(256 << 10, 32 << 10);
        is_int(both.ret, want_stack, "vp_prefault(256 KiB, 32 KiB) returns %d", want_stack);
        if (counts && pop) {
                /* the control shows the count sees the faults at all */
                ok(none.heap_flt >= 30, "without: 160 KiB of mallocs fault (%ld faults)",
                   none.heap_flt);
                ok(both.heap_flt <= 2,
                   "with: the same mallocs land on populated pages (%ld faults)", both.heap_flt);
                ok(none.stack_flt >= 4, "without: 24 KiB of stack frames fault (%ld faults)",
                   none.stack_flt);
                ok(both.stack_flt <= 1, "with: the same frames land on populated pages (%ld)",
                   both.stack_flt);
        }

        /* A stack range beyond the mapped stack: the error is returned, the
         * heap is still populated, the child lives on. */
        outcome deep = run(256 << 10, 64u << 20);
        is_int(deep.ret, pop ? -ENOMEM : -EINVAL, "64 MiB of stack is not mapped: error");
        if (counts && pop)
                ok(deep.heap_flt <= 2, "... and the heap is populated all the same (%ld faults)",
                   deep.heap_flt);

        /* heap only, stack only */
        outcome heap = run(256 << 10, 0), stack = run(0, 32 << 10);
        is_int(heap.ret, want, "heap only returns %d", want);
        is_int(stack.ret, want_stack, "stack only returns %d", want_stack);
        if (counts && pop) {
                ok(heap.heap_flt <= 2 && heap.stack_flt >= 4,
                   "heap only: heap populated (%ld), stack not (%ld)", heap.heap_flt,
                   heap.stack_flt);
                ok(stack.stack_flt <= 1 && stack.heap_flt >= 30,
                   "stack only: stack populated (%ld), heap not (%ld)", stack.stack_flt,
                   stack.heap_flt);
        }
        return tap_done();
}
