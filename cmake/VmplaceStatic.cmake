# SPDX-License-Identifier: GPL-2.0-or-later
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
# programs parse only in memory with XML_PARSE_NONET (lib/model/xmlparse.c) and use no
# ICU plugins, and nothing in hook/, enforcer/ or lib/ calls getpw*, getgr*,
# getaddrinfo, gethostby* or anything else that goes through NSS, so none of
# those paths runs. Packagers who prefer shared libraries for security updates
# turn VMPLACE_STATIC_HOOK off.
#
# libnuma's constructor reads /proc/self/status twice and lists sysfs on every
# start: ~230 us of a hook call here, for the no-op and unmanaged calls that
# never touch libnuma. The static programs link a copy of libnuma.a without
# it (objcopy drops libnuma.o's .init_array), and lib/io/topoload.c runs
# the same initialiser, numa_init, before its first libnuma call. Only when the
# archive defines numa_init as a global function, the one thing that relies
# on; otherwise the archive is linked as it is and the constructor runs.
set(VMPLACE_NUMA_LAZY_DIR "")
if(VMPLACE_STATIC_HOOK)
  find_library(VMPLACE_LIBNUMA_A NAMES libnuma.a)
  if(VMPLACE_LIBNUMA_A AND CMAKE_NM AND CMAKE_OBJCOPY)
    execute_process(COMMAND ${CMAKE_NM} -g --defined-only ${VMPLACE_LIBNUMA_A}
                    OUTPUT_VARIABLE _numa_syms ERROR_QUIET)
    if(_numa_syms MATCHES "[0-9a-f]+ T numa_init\n")
      set(VMPLACE_NUMA_LAZY_DIR ${CMAKE_BINARY_DIR}/numa-lazy)
      add_custom_command(
        OUTPUT ${VMPLACE_NUMA_LAZY_DIR}/libnuma.a
        COMMAND ${CMAKE_COMMAND} -E make_directory ${VMPLACE_NUMA_LAZY_DIR}
        COMMAND ${CMAKE_OBJCOPY} --remove-section=.init_array ${VMPLACE_LIBNUMA_A}
                ${VMPLACE_NUMA_LAZY_DIR}/libnuma.a
        DEPENDS ${VMPLACE_LIBNUMA_A}
        COMMENT "libnuma.a without its constructor (cmake/VmplaceStatic.cmake)")
      add_custom_target(vmplace_numa_lazy DEPENDS ${VMPLACE_NUMA_LAZY_DIR}/libnuma.a)
    endif()
  endif()
  if(VMPLACE_NUMA_LAZY_DIR)
    message(STATUS "static programs: libnuma initialised on first use")
  else()
    message(STATUS "static programs: libnuma.a as it is (its constructor runs at start)")
  endif()
endif()

function(vmplace_link_static target)
  if(NOT VMPLACE_STATIC_HOOK)
    return()
  endif()
  # the static archives need their own dependencies (ICU is C++), after
  # vmplace's own layers on the link line
  target_link_libraries(${target} PRIVATE vmplace_ops vmplace_io vmplace_model ${XML2_STATIC_LIBRARIES} ${JSONC_STATIC_LIBRARIES}
                        ${NUMA_STATIC_LIBRARIES} ${INIH_STATIC_LIBRARIES} stdc++ pthread dl m)
  target_link_options(${target} PRIVATE -static)
  if(VMPLACE_NUMA_LAZY_DIR)
    # searched before the system's directories, so -lnuma finds the copy
    target_link_directories(${target} BEFORE PRIVATE ${VMPLACE_NUMA_LAZY_DIR})
    add_dependencies(${target} vmplace_numa_lazy)
  endif()
endfunction()
