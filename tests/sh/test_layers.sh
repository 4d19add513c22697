#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The layers (docs/architecture.md) hold: the model archive calls no file,
# process, clock or libnuma function, and the include graph has no circle and
# no include upwards (model -> io -> ops) (scripts/include-graph.py --check).
. "$(dirname "$0")/lib.sh"
A=$VMPLACE_BUILD/lib/libvmplace_model.a
need nm binutils
ok "$([ -f "$A" ]; echo $?)" "the model archive is built ($A)"
# What the model needs from outside, and the names that mean I/O or process
# state. glibc's fortified and 64-bit variants (__open_2, open64, __read_chk)
# are matched by the same stems.
undef=$(nm -u --format=just-symbols "$A" 2>/dev/null | sort -u)
ok "$([ -n "$undef" ]; echo $?)" "nm lists what the model archive needs ($(echo "$undef" | wc -l) symbols)"
forbidden='^(__)?(open|openat|creat|read|pread|readv|write|pwrite|writev|close|fopen|fdopen|freopen|fread|fwrite|fgets|getline|stat|fstat|lstat|fstatat|statx|__xstat|__fxstat|__lxstat|opendir|fdopendir|readdir|closedir|scandir|mkdir|mkdirat|rmdir|unlink|unlinkat|rename|renameat|flock|fcntl|ioctl|access|faccessat|readlink|readlinkat|chmod|chown|fsync|fork|vfork|execv|execve|execvp|execl|posix_spawn|posix_spawnp|system|popen|kill|waitpid|wait|socket|connect|sched_setaffinity|sched_getaffinity|syscall|getpid|geteuid|getuid|time|clock_gettime|gettimeofday|sleep|usleep|nanosleep|getenv|secure_getenv|mmap|madvise|mallopt|xmlReadFile|xmlParseFile|xmlSaveFile|xmlSaveFormatFile|json_object_from_file|json_object_to_file|json_object_to_file_ext|ini_parse|ini_parse_file|numa_[a-z_0-9]+)(64)?(_2|_chk)?$'
bad=$(echo "$undef" | grep -E "$forbidden" | tr '\n' ' ')
is "$bad" "" "the model archive calls no file, process, clock or libnuma function"
# the check itself can fail: an I/O archive of ours does call them
io=$(nm -u --format=just-symbols "$VMPLACE_BUILD/lib/libvmplace_io.a" 2>/dev/null | grep -cE "$forbidden")
ok "$([ "$io" -gt 10 ]; echo $?)" "and the same check finds $io such calls in the I/O archive"
out=$(python3 "$VMPLACE_SRC/scripts/include-graph.py" --check "$VMPLACE_SRC" 2>&1)
is "$out" "" "no import circle, no include upwards, no unexplained file over 800 lines"
done_testing
