/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QEMU's threads and their CPU affinity: which thread group each thread
 * belongs to (vcpuN, iothreadN, emulator), setting sched_setaffinity to match
 * the plan's cpuset.cpus for that group, and reading affinity and memory
 * nodes back from /proc as drift. Threads are only looked at and pinned:
 * never moved between groups, stopped or signalled. */
#ifndef VMPLACE_AFFINITY_H
#define VMPLACE_AFFINITY_H

#include <stddef.h>

#include "cgroup.h"
#include "cgwrites.h"
#include "util.h"

typedef enum vp_thread_kind {
        VP_THREAD_EMULATOR = 0, /* the main thread and every other helper thread */
        VP_THREAD_VCPU,
        VP_THREAD_IOTHREAD,
} vp_thread_kind;

typedef struct vp_thread {
        long tid;
        vp_thread_kind kind;
        unsigned id; /* vCPU id or iothread id; 0 for emulator */
} vp_thread;

typedef struct vp_threads {
        vp_thread *t; /* sorted by tid */
        size_t n;
} vp_threads;

/* Every thread of PROC/PID/task. vCPUs are the TIDs libvirt's status file
 * lists (vcpu_tids[id], 0 = unknown); for vCPUs it does not give, threads
 * named "CPU N/KVM" (or /TCG, any accelerator) are vCPU N. Threads named
 * "IO iothreadN" are iothread N. Returns 0; -ESRCH when the pid is gone or a
 * vCPU TID from the status is not one of its threads (stale status); err
 * names the pid or TID. */
int vp_threads_list(const char *proc, long pid, const unsigned *vcpu_tids, size_t n_vcpu_tids,
                    vp_threads *out, vp_error *err);
void vp_threads_free(vp_threads *t);

/* The thread group name: "vcpu3", "iothread1", "emulator". Returns buf. */
const char *vp_thread_group(const vp_thread *t, char *buf, size_t len);

/* sched_setaffinity every thread whose group has a cpuset.cpus entry in w
 * (after the cgroup writes: the kernel refuses CPUs outside the thread's
 * cpuset, and widening a cpuset does not widen an earlier explicit
 * affinity). Threads that exited meanwhile are skipped. Returns 0 or the
 * first failure's -errno ("cannot pin vcpu0 thread 1234 to CPUs 3: ..."),
 * after trying every thread. */
int vp_affinity_apply(const vp_threads *th, const vp_cgwrites *w, vp_error *err);

/* For every thread whose group has cpuset.cpus (cpuset.mems) in w, compare
 * Cpus_allowed_list (Mems_allowed_list) of PROC/PID/task/TID/status with it
 * and append differences to out as "GROUP tid TID Cpus_allowed_list".
 * Threads that exited are skipped. Returns 0. */
int vp_affinity_verify(const char *proc, long pid, const vp_threads *th, const vp_cgwrites *w,
                       vp_drifts *out, vp_error *err);

/* Where a ledger entry has a VM's threads: its vCPU threads on vcpus, its
 * other threads floating over emulator, all of them within own (vcpus,
 * emulator and its held CPUs). */
typedef struct vp_pin_record {
        vp_cpuset vcpus, emulator, own;
} vp_pin_record;

/* The CPUs PID's threads are pinned to: the union of every thread's
 * affinity that leaves out some CPU of all (a thread allowed on all of them
 * is not pinned), cut to all. This is the kernel's word on what a running
 * QEMU holds, whatever vmplace's records say (I3). With rec (may be NULL),
 * only what lies beyond the record: a vCPU thread's CPUs outside rec->vcpus,
 * another thread's outside rec->own; a thread's name ("CPU N/KVM", "CPU
 * N/TCG") is read only when its CPUs are neither within rec->vcpus nor
 * rec->emulator exactly. Under the real /proc a thread's affinity is one
 * sched_getaffinity, elsewhere its status file's Cpus_allowed_list. Returns 0
 * (out empty when nothing is pinned); -ESRCH when the process is gone;
 * -errno when its task list cannot be read (err names it). */
int vp_affinity_pinned(const char *proc, long pid, const vp_cpuset *all, const vp_pin_record *rec,
                       vp_cpuset *out, vp_error *err);
/* As vp_affinity_pinned without a record, split by thread name: the CPUs
 * the vCPU threads are pinned to in vcpus, the other threads' in others. */
int vp_affinity_split(const char *proc, long pid, const vp_cpuset *all, vp_cpuset *vcpus,
                      vp_cpuset *others, vp_error *err);

#endif
