/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the operations' source files share and the programs do not see. */
#ifndef VMPLACE_OP_IMPL_H
#define VMPLACE_OP_IMPL_H

#include <string.h>
#include <syslog.h> /* the LOG_* priorities only: the sink does the logging */

#include "decide.h"
#include "enforce.h"
#include "ledgerstore.h"
#include "liveness.h"
#include "op.h"

/* Format one line and hand it to the sink's log (at prio) or say. */
void vp_op_log(const vp_op_sink *s, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vp_op_say(const vp_op_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The domain's UUID from the XML libvirt passed (malloc'd; NULL when it does
 * not parse or has none): preferred over the name to find its entry. */
char *vp_op_uuid_of(const char *xml, size_t len);

/* A plan refusal without the "vmplace: " every refusal starts with (syslog
 * names the program already). */
static inline const char *vp_op_refusal_text(const char *refusal)
{
        static const char prefix[] = "vmplace: ";
        return strncmp(refusal, prefix, sizeof(prefix) - 1) == 0 ? refusal + sizeof(prefix) - 1
                                                                 : refusal;
}

#endif
