/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sdunit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *vp_sdunit_property(const char *file)
{
        if (!strcmp(file, "cpu.weight"))
                return "CPUWeight";
        if (!strcmp(file, "cpu.shares"))
                return "CPUShares";
        return NULL;
}

const char *vp_sdunit_name(const char *dir)
{
        const char *base = strrchr(dir, '/');
        base = base ? base + 1 : dir;
        size_t n = strlen(base);
        if (n <= strlen(".scope") || strcmp(base + n - strlen(".scope"), ".scope"))
                return NULL;
        return base;
}

static const char *systemctl_program(const char *dir)
{
        const char *p = getenv("VMPLACE_SYSTEMCTL");
        if (p && *p)
                return p;
        /* systemd manages the real tree only: a VMPLACE_CGROUP_ROOT elsewhere
         * (tests, simulations) must never reach the host's units */
        if (strncmp(dir, "/sys/fs/cgroup/", strlen("/sys/fs/cgroup/")) != 0)
                return NULL;
        struct stat st;
        if (stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode))
                return "systemctl";
        return NULL;
}

int vp_sdunit_set(const char *dir, const char *file, const char *value, vp_error *err)
{
        const char *unit = vp_sdunit_name(dir);
        const char *prop = vp_sdunit_property(file);
        const char *prog = systemctl_program(dir);
        if (!unit || !prop || !prog)
                return 1;
        _cleanup_free_ char *assign = vp_xasprintf("%s=%s", prop, value);
        pid_t pid = fork();
        if (pid < 0)
                return vp_error_set(err, -errno, "%s: cannot fork for %s: %s", unit, prog,
                                    strerror(errno));
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, 0);
                        dup2(null, 1);
                        dup2(null, 2);
                }
                execlp(prog, prog, "set-property", "--runtime", "--", unit, assign, (char *)NULL);
                _exit(127);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return vp_error_set(err, -errno, "%s: waiting for %s: %s", unit, prog,
                                            strerror(errno));
        if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
                return vp_error_set(err, -ENOENT, "%s: cannot run %s to set %s", unit, prog,
                                    assign);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return vp_error_set(err, -EIO, "%s: %s set-property %s failed", unit, prog, assign);
        return 0;
}
