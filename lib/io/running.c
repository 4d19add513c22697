#include "running.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "liveness.h"

static int by_name(const void *a, const void *b)
{
        return strcmp(((const vp_running *)a)->name, ((const vp_running *)b)->name);
}

/* libvirt refuses such names (virXMLCheckIllegalChars "\n"; XML is UTF-8),
 * so a pid file carrying one is not libvirt's. */
static bool libvirt_name(const char *name)
{
        return *name && !strchr(name, '\n') && vp_utf8_valid(name);
}

int vp_running_list(const vp_paths *p, vp_running **out, size_t *n, vp_error *err)
{
        *out = NULL;
        *n = 0;
        _cleanup_closedir_ DIR *d = opendir(p->libvirt_rundir);
        if (!d) {
                if (errno == ENOENT)
                        return 0;
                return vp_error_set(err, -errno, "%s: %s", p->libvirt_rundir, strerror(errno));
        }
        vp_running *list = NULL;
        size_t count = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (len <= 4 || strcmp(de->d_name + len - 4, ".pid") != 0)
                        continue;
                _cleanup_free_ char *name = vp_xstrdup(de->d_name);
                name[len - 4] = '\0';
                long pid;
                if (!libvirt_name(name) ||
                    !vp_libvirt_alive(p->libvirt_rundir, p->proc, name, &pid))
                        continue;
                /* libvirt writes NAME.xml for every domain it runs; a pid
                 * file without one is not a domain (driver.pid is the QEMU
                 * driver's lock, holding libvirtd's own pid) */
                _cleanup_free_ char *xml = vp_xasprintf("%s/%s.xml", p->libvirt_rundir, name);
                if (access(xml, F_OK) < 0 && errno == ENOENT)
                        continue;
                list = vp_xrealloc(list, (count + 1) * sizeof(*list));
                vp_running *r = &list[count++];
                *r = (vp_running){.name = TAKE_PTR(name), .pid = pid};
                int pr = vp_domain_parse_file(xml, &r->dom, &r->err);
                if (pr < 0)
                        r->err.code = pr; /* the code says "unreadable", whatever set msg */
        }
        if (errno) {
                int e = errno;
                vp_running_free(list, count);
                return vp_error_set(err, -e, "%s: %s", p->libvirt_rundir, strerror(e));
        }
        if (count)
                qsort(list, count, sizeof(*list), by_name);
        *out = list;
        *n = count;
        return 0;
}

void vp_running_free(vp_running *r, size_t n)
{
        for (size_t i = 0; r && i < n; i++) {
                free(r[i].name);
                vp_domain_free(r[i].dom);
        }
        free(r);
}

int vp_domain_parse_file(const char *path, vp_domain **out, vp_error *err)
{
        _cleanup_free_ char *xml = NULL;
        size_t len = 0;
        int r = vp_read_file(path, VP_DOMAIN_XML_MAX, &xml, &len, err);
        if (r < 0)
                return r;
        vp_error perr = {0};
        r = vp_domain_parse(xml, len, out, &perr);
        if (r < 0)
                return vp_error_at(err, r, path, 0, "%s", perr.msg);
        return 0;
}
