/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The operations' result type. */
#include "op.h"

#include <string.h>

void vp_op_result_free(vp_op_result *r)
{
        free(r->profile);
        free(r->matched_by);
        free(r->reason);
        free(r->message);
        free(r->uuid);
        free(r->xml_out);
        free(r->xml_diff);
        free(r->before);
        free(r->after);
        for (size_t i = 0; i < r->n_changes; i++) {
                free(r->changes[i].file);
                free(r->changes[i].before);
                free(r->changes[i].after);
        }
        free(r->changes);
        vp_drifts_free(&r->repaired);
        vp_drifts_free(&r->left);
        memset(r, 0, sizeof(*r));
}
