# vmplace_link_static(TARGET): link a program fully statically when
# VMPLACE_STATIC_HOOK is on (the default; off under the sanitizers), else leave
# it dynamic. Used for the two programs whose cost is process start-up:
# vmplace-hook (libvirt runs it several times on every VM start) and
# vmplace-enforce (a run writes a dozen cgroup files). Dynamically linked,
# libxml2 brings ICU and libstdc++ into the dynamic loader's work: a no-op
# hook call costs 2.4x a do-nothing program and an enforcer run twice a static
# one; fully static, a no-op is at about the cost of a do-nothing program
# (docs/performance.md, docs/benchmarks.md). Semi-static (static archives,
# dynamic glibc) still pays for relocating ICU.
#
# The linker warns, once per program, that libxml2's HTTP client (nanohttp.o:
# getaddrinfo, gethostbyname) and ICU's plugin loader (putil.ao: dlopen) would
# need the shared libraries of the build host's glibc (NSS) at run time. Both
# programs parse only in memory with XML_PARSE_NONET (lib/domain.c) and use no
# ICU plugins, and nothing in hook/, enforcer/ or lib/ calls getpw*, getgr*,
# getaddrinfo, gethostby* or anything else that goes through NSS, so none of
# those paths runs. Packagers who prefer shared libraries for security updates
# turn VMPLACE_STATIC_HOOK off.
function(vmplace_link_static target)
  if(NOT VMPLACE_STATIC_HOOK)
    return()
  endif()
  # the static archives need their own dependencies (ICU is C++)
  target_link_libraries(${target} PRIVATE ${XML2_STATIC_LIBRARIES} ${JSONC_STATIC_LIBRARIES}
                        ${NUMA_STATIC_LIBRARIES} ${INIH_STATIC_LIBRARIES} stdc++ pthread dl m)
  target_link_options(${target} PRIVATE -static)
endfunction()
