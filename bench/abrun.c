/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench/abrun: compare two builds of a program, interleaved, against a floor.
 *   abrun RUNS INPUT_FILE FLOOR PROG_A PROG_B [ARGS...]
 * Runs PROG_A ARGS, PROG_B ARGS and FLOOR in turn, RUNS times each (after
 * RUNS warm-up runs of PROG_A), stdin from INPUT_FILE, no shell in between,
 * and prints the median wall time of each in microseconds, their ratios to
 * the floor's and B - A. Interleaving is the point: load that changes during
 * the run hits all three alike, where two runs one after the other on this
 * machine differ by more than the changes being measured. Built as
 * BUILD/bench/vmplace-bench-abrun; docs/benchmarks.md shows it used on
 * bench/lib.sh's realistic host. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* Wall time of one run of argv (argv[0] a path) in microseconds. */
static double run1(const char *input, char **argv)
{
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid_t p = fork();
        if (p == 0) {
                int fd = open(input, O_RDONLY), null = open("/dev/null", O_WRONLY);
                if (fd < 0 || null < 0)
                        _exit(127);
                dup2(fd, 0);
                dup2(null, 1);
                dup2(null, 2);
                execv(argv[0], argv);
                _exit(127);
        }
        int st;
        waitpid(p, &st, 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        return (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}

static double median(double *t, int n)
{
        qsort(t, (size_t)n, sizeof(*t), cmp);
        return t[n / 2];
}

int main(int argc, char **argv)
{
        if (argc < 6 || atoi(argv[1]) < 1) {
                fprintf(stderr, "usage: abrun RUNS INPUT_FILE FLOOR PROG_A PROG_B [ARGS...]\n");
                return 2;
        }
        int n = atoi(argv[1]);
        const char *input = argv[2];
        char *floor_argv[] = {argv[3], NULL};
        char *prog_a = argv[4], *prog_b = argv[5];
        /* PROG ARGS...: argv[5] is overwritten with the program to run */
        char **cmd = argv + 5;
        double *ta = calloc((size_t)n, sizeof(double)), *tb = calloc((size_t)n, sizeof(double)),
               *tf = calloc((size_t)n, sizeof(double));
        if (!ta || !tb || !tf)
                return 1;
        cmd[0] = prog_a;
        for (int i = 0; i < n; i++)
                (void)run1(input, cmd);
        for (int i = 0; i < n; i++) {
                cmd[0] = prog_a;
                ta[i] = run1(input, cmd);
                cmd[0] = prog_b;
                tb[i] = run1(input, cmd);
                tf[i] = run1(input, floor_argv);
        }
        double a = median(ta, n), b = median(tb, n), f = median(tf, n);
        printf("A %.0f  B %.0f  floor %.0f   A/floor %.2f  B/floor %.2f  B-A %.0f us\n", a, b, f,
               a / f, b / f, b - a);
        free(ta);
        free(tb);
        free(tf);
        return 0;
}
