#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and testing cowstat needs on a Debian bookworm host:
# QEMU, busybox, Debian 12's kernels (6.1 from bookworm, 6.12 and 6.12-rt
# from bookworm-backports) with headers, the kernel sources that carry
# kselftest and checkpatch, the lint and packaging tools, Prometheus and
# node_exporter for the export's test (their services left off), a trixie
# chroot with Debian 13's kernels and toolchain (scripts/kernels/trixie-root),
# and for arm64 a cross-building chroot with Debian 13's arm64 kernels
# (scripts/kernels/arm64-root) and an arm64 userland for their guest
# (scripts/kernels/arm64-userland).
# Safe to run again; it only adds what is missing.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "install-deps: run as root (apt-get needs it)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

deb822=/etc/apt/sources.list.d/debian.sources
bpo=/etc/apt/sources.list.d/cowstat-backports.sources

# The backports entry is derived from the host's own main entry, so it uses
# whatever mirror the machine is configured for.
add_backports()
{
	local uris keyring
	[ -e "$bpo" ] && return 0
	if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	[ -r "$deb822" ] || { echo "install-deps: no $deb822 to derive bookworm-backports from" >&2; exit 1; }
	uris=$(awk '/^URIs:/ { print $2; exit }' "$deb822")
	keyring=$(awk '/^Signed-By:/ { print $2; exit }' "$deb822")
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
		"$uris" "$keyring" > "$bpo"
}

have_series()	# $1 = 6.1 or 6.12: is an image and matching headers installed?
{
	local v
	for v in /boot/vmlinuz-"$1".*; do
		[ -e "$v" ] || continue
		v=${v#/boot/vmlinuz-}
		[ -e "/lib/modules/$v/build/Makefile" ] && return 0
	done
	return 1
}

# Machines run apt in the background (unattended-upgrades, apt-daily): wait
# for the dpkg lock rather than fail on it.
apt_wait="-o DPkg::Lock::Timeout=900"

apt_install()
{
	apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 $apt_wait "$@"
}

# Prometheus and node_exporter are for make check's guest test, which runs
# its own on loopback: their services must not run on this host.  Those
# installed here go in with invoke-rc.d refused (policy-rc.d), and are
# disabled; an installation that was there before is left as it was.
install_quiet_services()
{
	local pkg missing=() policy=/usr/sbin/policy-rc.d own_policy=
	for pkg in "$@"; do
		dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} = 0 ] && return 0
	if [ ! -e $policy ]; then
		printf '#!/bin/sh\n# install-deps: no service starts while it installs\nexit 101\n' > $policy
		chmod 755 $policy
		own_policy=1
	fi
	apt_install "${missing[@]}" || { [ -z "$own_policy" ] || rm -f $policy; exit 1; }
	[ -z "$own_policy" ] || rm -f $policy
	for pkg in "${missing[@]}"; do
		systemctl disable "$pkg.service" > /dev/null 2>&1
		[ ! -d /run/systemd/system ] || systemctl stop "$pkg.service" > /dev/null 2>&1
	done
	return 0
}

add_backports
apt-get update -qq $apt_wait
# redis-server: for scripts/guest/redis-case (the docs), not make check
install_quiet_services prometheus prometheus-node-exporter redis-server

apt_install qemu-system-x86 qemu-system-arm qemu-utils busybox-static kmod xz-utils rsync \
	make gcc libc6-dev bc cpio e2fsprogs sparse python3 dkms mandoc python3-sphinx cppcheck \
	debhelper dh-dkms dpkg-dev gnuplot-nox mmdebstrap clang libclang-rt-14-dev \
	linux-source-6.1 ruby

if ! have_series 6.1; then
	apt_install -t bookworm linux-image-amd64 linux-headers-amd64
fi
# Keep 6.1 when the metapackages move on to 6.12.
apt-mark manual $apt_wait $(dpkg-query -W -f '${Package}\n' 'linux-image-6.1.*' 'linux-headers-6.1.*' 2>/dev/null) >/dev/null
if ! have_series 6.12; then
	apt_install -t bookworm-backports linux-image-amd64 linux-headers-amd64
fi
# PREEMPT_RT, where a sleeping lock in probe context would show.
if ! "$(dirname "$0")/kernels/kernel-version" 6.12-rt > /dev/null 2>&1; then
	apt_install -t bookworm-backports linux-image-rt-amd64 linux-headers-rt-amd64
fi
apt_install -t bookworm-backports linux-source-6.12
# Debian 13's kernels, each with the gcc-14 it was built with, in a chroot.
"$(dirname "$0")/kernels/trixie-root" --create > /dev/null
"$(dirname "$0")/kernels/arm64-root" --create > /dev/null
"$(dirname "$0")/kernels/arm64-userland" --create > /dev/null

echo "install-deps: kernels available:"
ls /lib/modules
