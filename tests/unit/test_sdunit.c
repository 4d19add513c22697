/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sdunit: which files systemd owns at a scope's level, the unit name of a
 * machine group, and the systemctl call that hands a value to systemd (a
 * stand-in systemctl records its arguments). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdunit.h"
#include "fileio.h"
#include "tap.h"

static char dir[] = "/tmp/vmplace-sdunit.XXXXXX";

/* a stand-in systemctl that records "$@" in dir/args and exits with RC */
static char *fake_systemctl(int rc)
{
        char *path = vp_xasprintf("%s/systemctl-%d", dir, rc);
        FILE *f = fopen(path, "w");
        if (!f)
                return path;
        fprintf(f, "#!/bin/sh\necho \"$@\" >%s/args\necho noise\nexit %d\n", dir, rc);
        fclose(f);
        chmod(path, 0755);
        return path;
}

static char *read_args(void)
{
        char *path = vp_xasprintf("%s/args", dir);
        char buf[512] = "";
        FILE *f = fopen(path, "r");
        if (f) {
                if (!fgets(buf, sizeof(buf), f))
                        buf[0] = 0;
                fclose(f);
        }
        unlink(path);
        free(path);
        buf[strcspn(buf, "\n")] = 0;
        return vp_xstrdup(buf);
}

int main(void)
{
        if (!mkdtemp(dir))
                return 1;
        const char *scope = "/sys/fs/cgroup/machine.slice/machine-qemu\\x2d3\\x2ddb\\x2d1.scope";

        is_str(vp_sdunit_property("cpu.weight"), "CPUWeight", "cpu.weight is CPUWeight");
        is_str(vp_sdunit_property("cpu.shares"), "CPUShares", "cpu.shares is CPUShares");
        is_str(vp_sdunit_property("cpu.max"), NULL, "cpu.max at the scope is not vmplace's");
        is_str(vp_sdunit_property("vcpu0/cpu.weight"), NULL, "a file below the scope has none");
        is_str(vp_sdunit_name(scope), "machine-qemu\\x2d3\\x2ddb\\x2d1.scope",
               "the scope's unit name");
        is_str(vp_sdunit_name("/sys/fs/cgroup/cpu/machine/qemu-3-db-1.libvirt-qemu"), NULL,
               "a cgroupfs machine group is no unit");
        is_str(vp_sdunit_name("/x/.scope"), NULL, "a bare .scope is no unit name");

        _cleanup_free_ char *good = fake_systemctl(0);
        setenv("VMPLACE_SYSTEMCTL", good, 1);
        vp_error err = {0};
        is_int(vp_sdunit_set(scope, "cpu.weight", "512", &err), 0, "cpu.weight on a scope: set");
        _cleanup_free_ char *args = read_args();
        is_str(args,
               "set-property --runtime -- machine-qemu\\x2d3\\x2ddb\\x2d1.scope CPUWeight=512",
               "systemctl set-property --runtime with the unit and CPUWeight=512");
        is_int(vp_sdunit_set(scope, "cpu.shares", "2048", &err), 0, "cpu.shares on a scope: set");
        _cleanup_free_ char *args2 = read_args();
        like(args2, " CPUShares=2048", "v1 hosts get CPUShares");
        is_int(
            vp_sdunit_set("/sys/fs/cgroup/machine/qemu-1-a.libvirt-qemu", "cpu.weight", "5", &err),
            1, "not a scope: nothing to do");
        is_int(vp_sdunit_set(scope, "vcpu0/cpu.max", "1000 100000", &err), 1,
               "a file systemd does not own: nothing to do");
        _cleanup_free_ char *none = read_args();
        is_str(none, "", "and systemctl was not run for either");

        _cleanup_free_ char *bad = fake_systemctl(1);
        setenv("VMPLACE_SYSTEMCTL", bad, 1);
        is_int(vp_sdunit_set(scope, "cpu.weight", "512", &err), -EIO, "a failing systemctl: -EIO");
        like(err.msg, "machine-qemu\\x2d3\\x2ddb\\x2d1.scope", "the error names the unit");
        like(err.msg, "CPUWeight=512", "and the property");
        _cleanup_free_ char *missing = vp_xasprintf("%s/no-such-systemctl", dir);
        setenv("VMPLACE_SYSTEMCTL", missing, 1);
        is_int(vp_sdunit_set(scope, "cpu.weight", "512", &err), -ENOENT, "no systemctl: -ENOENT");

        unsetenv("VMPLACE_SYSTEMCTL");
        is_int(vp_sdunit_set("/tmp/fake/machine.slice/machine-qemu\\x2d1\\x2da.scope", "cpu.weight",
                             "512", &err),
               1, "a fake cgroup tree never reaches the host's systemd");
        struct stat st;
        if (stat("/run/systemd/system", &st) != 0)
                is_int(vp_sdunit_set(scope, "cpu.weight", "512", &err), 1,
                       "a host not booted with systemd: nothing to do");

        char *rm = vp_xasprintf("rm -rf %s", dir);
        if (system(rm) != 0)
                printf("# could not remove %s\n", dir);
        free(rm);
        return tap_done();
}
