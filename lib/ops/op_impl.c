/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The message helpers the operations share (op_impl.h). */
#include "op_impl.h"

#include <stdarg.h>
#include <stdio.h>

static char *format(const char *fmt, va_list ap)
{
        char *line = NULL;
        return vasprintf(&line, fmt, ap) < 0 ? NULL : line;
}

void vp_op_log(const vp_op_sink *s, int prio, const char *fmt, ...)
{
        if (!s || !s->log)
                return;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *line = format(fmt, ap);
        va_end(ap);
        if (line)
                s->log(s->ctx, prio, line);
}

void vp_op_say(const vp_op_sink *s, const char *fmt, ...)
{
        if (!s || !s->say)
                return;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *line = format(fmt, ap);
        va_end(ap);
        if (line)
                s->say(s->ctx, line);
}

char *vp_op_uuid_of(const char *xml, size_t len)
{
        vp_domain *dom = NULL;
        vp_error err;
        char *uuid = NULL;
        if (xml && len && vp_domain_parse(xml, len, &dom, &err) == 0 && dom->uuid)
                uuid = vp_xstrdup(dom->uuid);
        vp_domain_free(dom);
        return uuid;
}
