/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench/runner: run a command N times with stdin from a file, no shell in
 * between, and print the median, p10 and p90 wall time in microseconds.
 *   runner RUNS INPUT_FILE CMD [ARGS...]
 * Output: "median_us p10_us p90_us". Exit 1 if any run exits non-zero and
 * RUNNER_ALLOW_FAIL is not set. */
#define _GNU_SOURCE
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

int main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: runner RUNS INPUT_FILE CMD [ARGS...]\n");
                return 2;
        }
        int runs = atoi(argv[1]);
        double *t = calloc((size_t)runs, sizeof(double));
        int failed = 0;
        for (int i = 0; i < runs; i++) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                pid_t p = fork();
                if (p == 0) {
                        int fd = open(argv[2], O_RDONLY);
                        int null = open("/dev/null", O_WRONLY);
                        if (fd < 0 || null < 0)
                                _exit(127);
                        dup2(fd, 0);
                        dup2(null, 1);
                        dup2(null, 2);
                        execv(argv[3], argv + 3);
                        _exit(127);
                }
                int st;
                waitpid(p, &st, 0);
                clock_gettime(CLOCK_MONOTONIC, &b);
                failed |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
                t[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
        }
        qsort(t, (size_t)runs, sizeof(double), cmp);
        printf("%.0f %.0f %.0f\n", t[runs / 2], t[runs / 10], t[runs * 9 / 10]);
        free(t);
        return failed && !getenv("RUNNER_ALLOW_FAIL") ? 1 : 0;
}
