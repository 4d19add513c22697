#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Print the smallest useful QEMU domain (shared/notes/environment.md): software
# emulation, 64 MiB, NAME and VCPUS as given, sitting in its BIOS forever,
# which is all a placement needs. Usage: minivm-xml.sh NAME VCPUS
cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static'>$2</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='network'/></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><console type='pty'/></devices>
</domain>
XML
