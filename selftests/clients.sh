#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# KTAP suite "clients": the distribution's own tools (util-linux nsenter,
# unshare, lsns; iproute2 ip netns) and a plain shell, on namespaces held by
# nsfd handles. Runs as root inside the VM; needs the nsfd tool on PATH.
set -u
work=$(mktemp -d /tmp/nsfd-clients.XXXXXX)
# The project's KTAP writer; through the kselftest link, the repository's.
. "$(dirname "$(readlink -f "$0")")/../scripts/ktap.sh"
ktap_begin clients 24
ok() { ktap_pass "$1"; }
not_ok() { ktap_fail "$1" "$2"; }
skip() { ktap_skip "$1" "$2"; }
# check NAME CMD...: ok when CMD succeeds; its output goes into the message.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$(tr '\n' ' ' <<<"$out")"; fi
}
ino() { stat -L -c %i "$1"; }
# A process that sits in new namespaces: holder FLAGS [SETUP]; sets $HPID.
holder() {
	local flags=$1 setup=${2:-:}
	unshare $flags sh -c "$setup; exec sleep 600" &
	HPID=$!
	wait_sleeping "$HPID"
}
# Waits (up to 60 s: the VM may be slow) until PID has exec'ed sleep. The
# test is a shell builtin: every exec is slow under emulation.
sleep_bin=$(readlink -f "$(command -v sleep)")
wait_sleeping() {
	for _ in $(seq 600); do
		[ /proc/$1/exe -ef "$sleep_bin" ] && return 0
		sleep 0.1
	done
	return 1
}

# The mount point for held mount namespaces must not propagate.
mount --bind "$work" "$work" && mount --make-private "$work"

# nsenter --TYPE=PATH on a handle held with 'nsfd hold' after its creator died:
# inside, /proc/self/ns/TYPE must be the held namespace.
for spec in "net:-n" "uts:-u" "ipc:-i" "mnt:-m" "user:-U" "cgroup:-C" "time:-T" "pid:-p"; do
	t=${spec%%:*} flag=${spec#*:}
	opt=$t
	case $t in mnt) opt=mount ;; esac
	name="nsenter_${t}_on_held_handle"
	htype=$t
	case $t in time | pid) htype=${t}_for_children ;; esac
	if ! holder "$flag"; then
		not_ok "$name" "unshare $flag failed"
		continue
	fi
	touch "$work/$t"
	if ! nsfd hold --pid "$HPID" --type "$htype" "$work/$t" >"$work/err" 2>&1; then
		not_ok "$name" "$(cat "$work/err")"
		kill "$HPID"
		continue
	fi
	want=$(ino "$work/$t")
	# A pid namespace without its init cannot fork any more: keep the holder for pid.
	[ "$t" != pid ] && { kill "$HPID"; wait "$HPID" 2>/dev/null; }
	# nsenter sets uid and gid 0 after joining a user namespace; this one has no
	# mapping, so keep the credentials (as with a /proc/PID/ns/user file).
	keep=
	[ "$t" = user ] && keep=--preserve-credentials
	[ "$t" != pid ] && got=$(nsenter $keep --"$opt"="$work/$t" stat -L -c %i /proc/self/ns/"$t" 2>&1)
	if [ "$t" = pid ]; then
		# setns(pid) applies to children: nsenter forks, so its child is inside.
		got=$(nsenter --pid="$work/$t" sh -c 'stat -L -c %i /proc/self/ns/pid' 2>&1)
		kill "$HPID"
		wait "$HPID" 2>/dev/null
	fi
	if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name" "inside: $got, held: $want"; fi
	nsfd release "$work/$t" 2>/dev/null || umount "$work/$t"
done

# A dummy link made in a network namespace survives every process in it,
# through a handle held at /run/netns/NAME, and ip netns sees it.
mkdir -p /run/netns
# The oracle of the iproute2 cases below. Made first: its 'ip netns add' turns
# /run/netns into a shared bind mount of itself, which would also copy a
# handle mounted there before, and leave that copy behind at release.
ip netns add nsfdoracle
holder -n "ip link add nsfd0 type dummy"
if nsfd hold --pid "$HPID" --type net /run/netns/nsfdblue >"$work/err" 2>&1; then
	kill "$HPID"
	wait "$HPID" 2>/dev/null
	check ip_netns_list_shows_held_handle sh -c 'ip netns list | grep -qw nsfdblue'
	check ip_netns_exec_dummy_link_survives ip netns exec nsfdblue ip link show nsfd0
	ip netns exec nsfdblue sleep 600 &
	IPID=$!
	wait_sleeping "$IPID"
	check ip_netns_identify_names_handle sh -c "[ \"\$(ip netns identify $IPID)\" = nsfdblue ]"
	kill "$IPID"
	wait "$IPID" 2>/dev/null
	# The kernel takes the held handle wherever it takes a namespace file
	# (rtnetlink IFLA_NET_NS_FD and NETNSA_FD): each operation must give on
	# nsfdblue what it gives on a name made by 'ip netns add' (the oracle).
	like_ip_netns_add() { # like_ip_netns_add CASE 'CMD using $ns and $i'
		local r=() ns i=0
		for ns in nsfdblue nsfdoracle; do
			i=$((i + 1))
			r+=("$(ns=$ns i=$i sh -c "$2" >/dev/null 2>&1; echo $?)")
		done
		if [ "${r[0]}" = 0 ] && [ "${r[1]}" = 0 ]; then ok "$1"; else not_ok "$1" "exit status on the held handle ${r[0]}, on ip netns add's name ${r[1]}"; fi
	}
	# First: moving a link or making a veth peer there gives the namespace an nsid.
	like_ip_netns_add ip_netns_set_nsid_on_held_name \
		'ip netns set $ns 4$i && ip netns list | grep -q "^$ns (id: 4$i)"'
	like_ip_netns_add ip_link_set_netns_into_held_name \
		'ip link add nsfdm$i type dummy && ip link set nsfdm$i netns $ns && ip netns exec $ns ip link show nsfdm$i'
	like_ip_netns_add ip_veth_peer_created_in_held_name \
		'ip link add nsfdv$i type veth peer name nsfdp$i netns $ns && ip netns exec $ns ip link show nsfdp$i'
	check nsfd_release_removes_file sh -c 'nsfd release /run/netns/nsfdblue && [ ! -e /run/netns/nsfdblue ]'
else
	for c in ip_netns_list_shows_held_handle ip_netns_exec_dummy_link_survives ip_netns_identify_names_handle \
		ip_link_set_netns_into_held_name ip_veth_peer_created_in_held_name ip_netns_set_nsid_on_held_name \
		nsfd_release_removes_file; do
		not_ok "$c" "nsfd hold: $(cat "$work/err")"
	done
	kill "$HPID"
fi
ip netns del nsfdoracle

# unshare --net=FILE and nsfd hold side by side, on the same namespace.
touch "$work/unshare-net"
if unshare --net="$work/unshare-net" true; then
	nsenter --net="$work/unshare-net" sleep 600 &
	UPID=$!
	wait_sleeping "$UPID"
	nsfd hold --pid "$UPID" --type net "$work/nsfd-net"
	check unshare_and_nsfd_hold_same_namespace sh -c "[ \$(stat -L -c %d:%i $work/unshare-net) = \$(stat -L -c %d:%i $work/nsfd-net) ]"
	kill "$UPID"
	wait "$UPID" 2>/dev/null
	nsfd release "$work/nsfd-net"
	umount "$work/unshare-net"
else
	not_ok unshare_and_nsfd_hold_same_namespace "unshare --net=FILE failed"
fi

# lsns shows a held handle's path in its NSFS column (it reads nsfs bind
# mounts from mountinfo); newer util-linux also lists a namespace that only a
# handle keeps alive.
holder -u
nsfd hold --pid "$HPID" --type uts "$work/lsns-uts"
want=$(ino "$work/lsns-uts")
if lsns -t uts -n -o NS,NSFS 2>&1 | grep -q "^ *$want .*$work/lsns-uts"; then
	ok lsns_nsfs_column_shows_held_handle
else
	not_ok lsns_nsfs_column_shows_held_handle "lsns: $(lsns -t uts -o NS,NSFS 2>&1 | tr '\n' ' ')"
fi
kill "$HPID"
wait "$HPID" 2>/dev/null
lsns_version=$(lsns --version | grep -oE '[0-9]+\.[0-9]+' | head -n1)
if [ "$(printf '%s\n2.40\n' "$lsns_version" | sort -V | head -n1)" != 2.40 ]; then
	skip lsns_sees_handle_only_namespace "util-linux $lsns_version lsns lists only namespaces that have a process (persistent ones need 2.40 or newer)"
elif lsns -t uts -n -o NS,NSFS 2>&1 | grep -q "^ *$want .*$work/lsns-uts"; then
	ok lsns_sees_handle_only_namespace
else
	not_ok lsns_sees_handle_only_namespace "lsns: $(lsns -t uts -o NS,NSFS 2>&1 | tr '\n' ' ')"
fi
nsfd release "$work/lsns-uts"

# The thread's shell flow: a shell gets the handle as fd 5, bind-mounts
# /proc/self/fd/5 itself and exits; another process opens the path and joins.
holder -u "hostname nsfd-shell"
touch "$work/shell-uts"
nsfd fd --pid "$HPID" --type uts --fd 5 -- sh -c "mount --bind /proc/self/fd/5 $work/shell-uts"
kill "$HPID"
wait "$HPID" 2>/dev/null
check rfc_shell_flow_other_process_joins sh -c "[ \"\$(nsenter --uts=$work/shell-uts hostname)\" = nsfd-shell ]"
umount "$work/shell-uts"

# nsfd exec joins through a path and pid/type pairs.
holder "-U -u --map-root-user" "hostname nsfd-exec"
check nsfd_exec_user_and_uts sh -c "[ \"\$(nsfd exec --pid $HPID --type uts --pid $HPID --type user -- hostname)\" = nsfd-exec ]"
kill "$HPID"
wait "$HPID" 2>/dev/null

# The tool's exit codes are for scripts: 0 ok, 1 failed (names the call and
# errno), 2 usage.
check nsfd_help_exits_0 sh -c 'nsfd --help | grep -q "^Usage:"'
check nsfd_usage_error_exits_2 sh -c 'nsfd hold --type net >/dev/null 2>&1; [ $? = 2 ]'
check nsfd_failure_exits_1_with_errno sh -c 'msg=$(nsfd show --fd 999 2>&1); [ $? = 1 ] && echo "$msg" | grep -q "EBADF"'
check nsfd_show_prints_fields sh -c 'nsfd fd --pid 0 --type net --fd 7 -- nsfd show --fd 7 | grep -c "^\(type: net\|inode: \|id: \|userns: \|owner_uid: 0\)" | grep -qx 5'

umount "$work" 2>/dev/null
rm -rf "$work"
ktap_end
