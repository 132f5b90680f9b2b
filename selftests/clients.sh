#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# KTAP suite "clients": the distribution's own tools (util-linux nsenter,
# unshare, lsns; iproute2 ip netns) and a plain shell, on namespaces held by
# nsfd handles. Runs as root inside the VM; needs the nsfd tool on PATH.
set -u
# NSFD_CLIENTS_TRACE=FILE: each command the suite runs, after the time it
# started, into FILE (bash's own clock: tracing starts no process).
if [ -n "${NSFD_CLIENTS_TRACE:-}" ]; then
	exec {trace_fd}>"$NSFD_CLIENTS_TRACE"
	BASH_XTRACEFD=$trace_fd
	PS4='+ $EPOCHREALTIME '
	set -x
fi
work=$(mktemp -d /tmp/nsfd-clients.XXXXXX)
# The project's KTAP writer; through the kselftest link, the repository's.
. "$(dirname "$(readlink -f "$0")")/../scripts/ktap.sh"
# nsfd(1)'s EXAMPLES are cases of their own.
man_page=$(dirname "$(readlink -f "$0")")/../Documentation/man/nsfd.1
ktap_begin clients $((63 + $(grep -c '^\.EX$' "$man_page")))
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
	local flags=$1 setup=${2:-}
	if [ -n "$setup" ]; then
		unshare $flags sh -c "$setup; exec sleep 600" &
	else
		unshare $flags sleep 600 &
	fi
	HPID=$!
	wait_sleeping "$HPID"
}
# Waits (up to 60 s: the VM may be slow) until PID has exec'ed sleep. The
# test and the pause are shell builtins (read -t on a pipe nobody writes):
# every process costs most of a second under emulation.
sleep_bin=$(readlink -f "$(command -v sleep)")
exec {never_fd}<> <(:)
pause() { read -r -t "$1" -u "$never_fd" _; }
wait_sleeping() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ /proc/$1/exe -ef "$sleep_bin" ] && return 0
		pause 0.1
	done
	return 1
}

# The mount point for held mount namespaces must not propagate.
mount --bind "$work" "$work" && mount --make-private "$work"

# nsenter --TYPE=PATH on a handle pinned with 'nsfd add' after its creator died:
# inside, /proc/self/ns/TYPE must be the held namespace.
for spec in "net:-n" "uts:-u" "ipc:-i" "mnt:-m" "user:-U" "cgroup:-C" "time:-T" "pid:-p"; do
	t=${spec%%:*} flag=${spec#*:}
	opt=$t
	case $t in mnt) opt=mount ;; esac
	name="nsenter_${t}_on_held_handle"
	children=
	case $t in time | pid) children=--for-children ;; esac
	if ! holder "$flag"; then
		not_ok "$name" "unshare $flag failed"
		continue
	fi
	if ! nsfd add --target "$HPID" "$flag" $children "$work/$t" >"$work/err" 2>&1; then
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
	nsfd del "$work/$t" 2>/dev/null || umount "$work/$t"
done

# A dummy link made in a network namespace survives every process in it,
# through a handle pinned with 'nsfd add --net NAME', and ip netns sees it.
ip netns add nsfdoracle # the oracle of the iproute2 cases below
holder -n "ip link add nsfd0 type dummy"
if nsfd add --target "$HPID" --net nsfdblue >"$work/err" 2>&1; then
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
	check nsfd_del_removes_name sh -c 'nsfd del nsfdblue && [ ! -e /run/netns/nsfdblue ] && ! ip netns list | grep -qw nsfdblue'
else
	for c in ip_netns_list_shows_held_handle ip_netns_exec_dummy_link_survives ip_netns_identify_names_handle \
		ip_link_set_netns_into_held_name ip_veth_peer_created_in_held_name ip_netns_set_nsid_on_held_name \
		nsfd_del_removes_name; do
		not_ok "$c" "nsfd add: $(cat "$work/err")"
	done
	kill "$HPID"
fi
ip netns del nsfdoracle

# unshare --net=FILE and nsfd add side by side, on the same namespace.
touch "$work/unshare-net"
if unshare --net="$work/unshare-net" true; then
	nsenter --net="$work/unshare-net" sleep 600 &
	UPID=$!
	wait_sleeping "$UPID"
	nsfd add --target "$UPID" --net "$work/nsfd-net"
	check unshare_and_nsfd_add_same_namespace sh -c "[ \$(stat -L -c %d:%i $work/unshare-net) = \$(stat -L -c %d:%i $work/nsfd-net) ]"
	kill "$UPID"
	wait "$UPID" 2>/dev/null
	nsfd del "$work/nsfd-net"
	umount "$work/unshare-net"
else
	not_ok unshare_and_nsfd_add_same_namespace "unshare --net=FILE failed"
fi

# lsns shows a held handle's path in its NSFS column (it reads nsfs bind
# mounts from mountinfo). (util-linux 2.40 also lists a namespace that only a
# handle keeps alive; Debian 12 has 2.38 and no newer one, see testing.rst.)
holder -u
nsfd add --target "$HPID" --uts "$work/lsns-uts"
want=$(ino "$work/lsns-uts")
if lsns -t uts -n -o NS,NSFS 2>&1 | grep -q "^ *$want .*$work/lsns-uts"; then
	ok lsns_nsfs_column_shows_held_handle
else
	not_ok lsns_nsfs_column_shows_held_handle "lsns: $(lsns -t uts -o NS,NSFS 2>&1 | tr '\n' ' ')"
fi
kill "$HPID"
wait "$HPID" 2>/dev/null
nsfd del "$work/lsns-uts"

# The thread's shell flow: a shell gets the handle as fd 5, bind-mounts
# /proc/self/fd/5 itself and exits; another process opens the path and joins.
holder -u "hostname nsfd-shell"
touch "$work/shell-uts"
nsfd fd --target "$HPID" --uts --fd 5 -- sh -c "mount --bind /proc/self/fd/5 $work/shell-uts"
kill "$HPID"
wait "$HPID" 2>/dev/null
check rfc_shell_flow_other_process_joins sh -c "[ \"\$(nsenter --uts=$work/shell-uts hostname)\" = nsfd-shell ]"
umount "$work/shell-uts"

# ---- The nsfd tool: names, list, exec, del, credentials, exit statuses ----

# The man page's EXAMPLES, run as printed. Lines "# CMD" run as root, "$ CMD"
# as an unprivileged user with a login session's XDG_RUNTIME_DIR; the other
# lines are what the command before them must print. One case per example.
nsfd_bin=$(command -v nsfd)
userdir=$(mktemp -d /tmp/nsfd-user.XXXXXX)
chmod 755 "$userdir"
mkdir -p "$userdir/bin" "$userdir/run"
cp "$nsfd_bin" "$userdir/bin/nsfd"
chown 65534:65534 "$userdir/run"
chmod 700 "$userdir/run"
as_user() { # as_user CMD...: uid/gid 65534, no groups, the tool on PATH
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -i PATH="$userdir/bin:/usr/bin:/bin:/usr/sbin:/sbin" XDG_RUNTIME_DIR="$userdir/run" HOME=/ "$@"
}
ex=$userdir/ex # the unprivileged examples read their script from here
mkdir -p "$ex"
awk -v dir="$ex" '
	/^\.SH / { ex = ($2 == "EXAMPLES") }
	ex && /^\.EX$/ { n++; inside = 1; next }
	ex && /^\.EE$/ { inside = 0; next }
	ex && inside { print > (dir "/" n) }' "$man_page"
for f in $(ls "$ex" | sort -n); do
	sed -i 's/\\-/-/g; s/\\(aq/'"'"'/g; s/\\e/\\/g' "$ex/$f"
	# The script prints a marker before each command; the expected transcript
	# has the same markers before the lines the man page shows.
	awk -v s="$ex/$f.sh" -v e="$ex/$f.want" '
		/^[#$] / { n++; print "echo @@" n > s; print substr($0, 3) > s; print "@@" n > e; next }
		{ print > e }' "$ex/$f"
	chmod 644 "$ex/$f.sh"
	prompt=$(head -c1 "$ex/$f")
	name="man_nsfd1_example_$f"
	if [ "$prompt" = '$' ]; then
		as_user sh -e "$ex/$f.sh" >"$ex/$f.got" 2>"$ex/$f.err"
	else
		sh -e "$ex/$f.sh" >"$ex/$f.got" 2>"$ex/$f.err"
	fi
	st=$?
	# Sections with shown output must match it; the others are not compared.
	diffs=$(awk '
		FNR == 1 { file++ }
		/^@@[0-9]+$/ { sec = $0; next }
		file == 1 { want[sec] = want[sec] $0 "\n"; shown[sec] = 1 }
		file == 2 { got[sec] = got[sec] $0 "\n" }
		END { for (s in shown) if (want[s] != got[s]) printf "command %s printed [%s], the page shows [%s]\n", substr(s, 3), got[s], want[s] }' \
		"$ex/$f.want" "$ex/$f.got")
	if [ "$st" = 0 ] && [ -z "$diffs" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $st: $(cat "$ex/$f.err") $diffs"
	fi
done

# add and list: one name for two types of a task; the table and the JSON.
holder "-u -i" "hostname nsfd-list"
nsfd add --target "$HPID" --uts --ipc nsfdl
uts_ino=$(ino /proc/$HPID/ns/uts)
kill "$HPID"
wait "$HPID" 2>/dev/null
check nsfd_list_table_shows_name_type_ns_path sh -c \
	"nsfd list | grep -Eq '^nsfdl +uts +$uts_ino /run/nsfd/uts/nsfdl\$' && nsfd list | grep -Eq '^nsfdl +ipc +[0-9]+ /run/nsfd/ipc/nsfdl\$'"
# jq -e exits 1 when the filter gives false (and 4 or 5 when the JSON is bad).
check nsfd_list_json_is_lsns_style sh -c "j=\$(nsfd list -J -o NAME,TYPE,NS,ID) && printf %s \"\$j\" | jq -e '
	[.namespaces[] | select(.name == \"nsfdl\")] as \$rows |
	([\$rows[].type] | sort) == [\"ipc\", \"uts\"] and
	[\$rows[] | select(.type == \"uts\") | .ns] == [$uts_ino] and
	all(\$rows[]; keys_unsorted == [\"name\", \"type\", \"ns\", \"id\"] and .id > 0)'"
check nsfd_exec_by_name_enters_every_type sh -c \
	"[ \"\$(nsfd exec nsfdl -- sh -c 'hostname; stat -L -c %i /proc/self/ns/uts')\" = \"\$(printf 'nsfd-list\n$uts_ino')\" ]"
check nsfd_exec_by_path sh -c "[ \"\$(nsfd exec /run/nsfd/uts/nsfdl -- hostname)\" = nsfd-list ]"
check nsfd_exec_type_option_with_name sh -c "[ \"\$(nsfd exec --uts=nsfdl hostname)\" = nsfd-list ]"
check nsfd_show_json_of_a_name_and_type sh -c "j=\$(nsfd show -J --uts nsfdl) && printf %s \"\$j\" | jq -e '
	keys_unsorted == [\"namespaces\"] and (.namespaces | length) == 1 and
	(.namespaces[0] | .type == \"uts\" and .ns == $uts_ino and .owner_uid == 0 and .id > 0)'"
# A second add of the same name fails, and undoes the part it had done.
holder "-u -n"
if nsfd add --target "$HPID" --net --uts nsfdl >"$work/err" 2>&1; then
	not_ok nsfd_add_existing_name_fails_and_undoes "add succeeded"
elif [ -e /run/netns/nsfdl ] || ! grep -q "cannot create /run/nsfd/uts/nsfdl: File exists" "$work/err"; then
	not_ok nsfd_add_existing_name_fails_and_undoes "$(cat "$work/err"); /run/netns/nsfdl: $(ls -l /run/netns/nsfdl 2>&1)"
else
	ok nsfd_add_existing_name_fails_and_undoes
fi
kill "$HPID"
wait "$HPID" 2>/dev/null
# del detaches: a process that holds the file open does not make it fail.
sh -c 'exec sleep 600' </run/nsfd/uts/nsfdl &
OPEN=$!
check nsfd_del_detaches_while_open sh -c \
	'nsfd del nsfdl && [ ! -e /run/nsfd/uts/nsfdl ] && [ ! -e /run/nsfd/ipc/nsfdl ] && ! nsfd list | grep -qw nsfdl'
kill "$OPEN"
wait "$OPEN" 2>/dev/null
check nsfd_del_of_unknown_name_fails sh -c \
	'msg=$(nsfd del nsfd-no-such 2>&1); [ $? = 1 ] && [ "$msg" = "nsfd: nsfd-no-such: no namespace of that name" ]'
# del touches nothing but a namespace file: whatever else is mounted or
# lies at the path stays, with exit status 1 (each as a sysadmin met it).
mkdir -p "$work/del/etc" "$work/del/dir"
echo "127.0.0.1 localhost" >"$work/del/etc/hosts"
echo "mounted over" >"$work/del/over"
mount --bind "$work/del/over" "$work/del/etc/hosts"
check nsfd_del_leaves_a_bind_mounted_file sh -c \
	'nsfd del "$1/etc/hosts" 2>/dev/null; [ $? = 1 ] && mountpoint -q "$1/etc/hosts" && umount "$1/etc/hosts" &&
	[ "$(cat "$1/etc/hosts")" = "127.0.0.1 localhost" ]' sh "$work/del"
mount -t tmpfs nsfd-del "$work/del/dir"
check nsfd_del_leaves_a_mounted_directory sh -c \
	'nsfd del "$1/dir" 2>/dev/null; [ $? = 1 ] && mountpoint -q "$1/dir" && umount "$1/dir"' sh "$work/del"
echo "keep me" >"$work/del/full"
mount --bind /proc/self/ns/uts "$work/del/full"
check nsfd_del_keeps_the_file_under_a_pin sh -c \
	'nsfd del "$1/full" && ! mountpoint -q "$1/full" && [ "$(cat "$1/full")" = "keep me" ]' sh "$work/del"
touch "$work/del/pin"
mount --bind /proc/self/ns/uts "$work/del/pin"
ln -s pin "$work/del/link"
check nsfd_del_does_not_follow_a_symlink sh -c \
	'nsfd del "$1/link" 2>/dev/null; [ $? = 1 ] && [ -L "$1/link" ] && mountpoint -q "$1/pin" && umount "$1/pin"' sh "$work/del"
mkfifo "$work/del/fifo"
check nsfd_del_of_a_fifo_neither_hangs_nor_removes_it sh -c \
	'timeout 20 nsfd del "$1/fifo" 2>/dev/null; [ $? = 1 ] && [ -p "$1/fifo" ]' sh "$work/del"
check nsfd_write_error_is_a_failure_not_a_panic sh -c \
	'msg=$(nsfd --help 2>&1 >/dev/full); [ $? = 1 ] && [ "$msg" = "nsfd: write error: No space left on device" ]'
check nsfd_show_of_the_initial_user_namespace_succeeds sh -c \
	'nsfd show /proc/self/ns/user >"$1/show-user" && grep -qx "userns: -" "$1/show-user"' sh "$work/del"
check nsfd_show_of_a_fifo_does_not_hang sh -c \
	'msg=$(timeout 20 nsfd show "$1/fifo" 2>&1); [ $? = 1 ] && [ "$msg" = "nsfd: $1/fifo: not a namespace file" ]' sh "$work/del"
check nsfd_fd_refuses_a_negative_descriptor sh -c '
	msg=$(nsfd fd --net --fd -1 -- true 2>&1)
	[ $? = 1 ] && [ "$msg" = "nsfd: invalid descriptor argument: '"'"'-1'"'"'
Try '"'"'nsfd --help'"'"' for more information." ]'
# list reads mount points as bytes: a pin at a path that is not UTF-8
# ($work/nsfd-<0xff>) is listed, and does not stop the listing.
list_a_pin_at_a_non_utf8_path() {
	local file=$work/$'nsfd-\xff' want out rc=0
	touch "$file" && mount --bind /proc/self/ns/uts "$file" || return 1
	want=$(ino /proc/self/ns/uts)
	if ! LC_ALL=C grep -qaF -- " $file " /proc/self/mountinfo; then
		echo "the pin is not in mountinfo as its bytes"
		rc=1
	elif ! out=$(nsfd list -o TYPE,NS,PATH --noheadings 2>&1); then
		echo "list: $out"
		rc=1
	elif ! grep -Eq "^uts +$want $work/nsfd-" <<<"$out"; then
		echo "no row for the pin: $out"
		rc=1
	fi
	umount "$file"
	rm -f "$file"
	return $rc
}
check nsfd_list_a_pin_at_a_non_utf8_path list_a_pin_at_a_non_utf8_path
# Where /run is shared (systemd's default), ip netns add's self-bind of
# /run/netns puts each pin in mountinfo twice at one path: list shows it
# once. (The case checks that mountinfo has it twice: else nothing is shown.)
list_once_where_run_is_shared() {
	unshare -m --propagation private sh -ec '
		# A /run of its own, shared, where ip netns add makes its self-bind.
		mount -t tmpfs nsfd-run /run
		mount --make-shared /run
		ip netns add nsfdtwice
		n=$(grep -c " /run/netns/nsfdtwice " /proc/self/mountinfo || true)
		[ "$n" = 2 ] || { echo "the pin is in mountinfo $n times, not twice: nothing to show"; exit 1; }
		rows=$(nsfd list -o NAME,TYPE --noheadings | grep -c "^nsfdtwice " || true)
		ip netns del nsfdtwice
		[ "$rows" = 1 ] || { echo "list shows nsfdtwice in $rows rows"; exit 1; }'
}
check nsfd_list_shows_a_pin_once_where_run_is_shared list_once_where_run_is_shared

# Interop with ip netns, both ways.
ip netns add nsfdip
check ip_netns_add_name_seen_by_nsfd sh -c \
	'nsfd list -o NAME,TYPE --noheadings | grep -Eq "^nsfdip +net\$" && nsfd exec nsfdip -- ip -br link show lo >/dev/null'
# Two different namespaces of one type in one exec: refused, not the last one silently.
# (The same one twice is one.)
check nsfd_exec_refuses_two_namespaces_of_a_type sh -c '
	msg=$(nsfd exec nsfdip --net=/proc/self/ns/net -- true 2>&1)
	[ $? = 1 ] && [ "$msg" = "nsfd: two different net namespaces to enter: name one of each type" ] || exit 1
	nsfd exec -n nsfdip -- true 2>/dev/null
	[ $? = 1 ] || exit 1
	[ "$(nsfd exec nsfdip --net=/run/netns/nsfdip -- stat -L -c %i /proc/self/ns/net)" = "$(stat -c %i /run/netns/nsfdip)" ]'
# nsfd add takes the lock ip netns add takes (an flock on /run/netns): while
# another holds it, the add waits on it (/proc/locks shows its request as
# blocked) and has made nothing; once it is free, the add ends well.
add_waits_for_the_ip_netns_lock() {
	local lock add i line state blocked=
	exec {lock}</run/netns
	flock -x "$lock" || return 1
	unshare --net nsfd add --net nsfdlock &
	add=$!
	for ((i = 0; i < 600 && !blocked; i++)); do
		while read -r line; do
			[[ $line == *"-> FLOCK "*" WRITE $add "* ]] && blocked=1
		done </proc/locks
		# Gone (reaped by the shell) or a zombie: the add did not wait.
		{ read -r _ _ state _ <"/proc/$add/stat"; } 2>/dev/null || state=Z
		[ -n "$blocked" ] || [ "$state" = Z ] && break
		pause 0.1
	done
	if [ -e /run/netns/nsfdlock ]; then
		echo "the add made its name while ip netns' lock was held"
		blocked=
	fi
	flock -u "$lock"
	exec {lock}<&-
	wait "$add" || { echo "the add failed once the lock was free"; return 1; }
	nsfd del nsfdlock
	[ -n "$blocked" ] || { echo "no blocked flock request of the add ($add) in /proc/locks"; return 1; }
}
check nsfd_add_takes_the_ip_netns_lock add_waits_for_the_ip_netns_lock
# An unprivileged user (names of their own under XDG_RUNTIME_DIR) finds the
# system's names as ip netns list shows them to anyone.
check nsfd_unprivileged_finds_what_ip_netns_lists as_user sh -c '
	ip netns list | grep -qw nsfdip || exit 1
	[ "$(nsfd show nsfdip | sed -n "s/^type: //p")" = net ] &&
	nsfd list -o NAME,TYPE --noheadings | grep -Eq "^nsfdip +net\$"'
check nsfd_exec_without_dashdash_suggests_it sh -c '
	msg=$(nsfd exec nsfdip ip link 2>&1)
	[ $? = 1 ] && [ "$msg" = "nsfd: nothing to enter: give NAME, PATH or a namespace type (for the namespaces named nsfdip: nsfd exec nsfdip -- COMMAND)
Try '"'"'nsfd --help'"'"' for more information." ]'
check nsfd_del_of_ip_netns_add_name sh -c 'nsfd del nsfdip && ! ip netns list | grep -qw nsfdip'
unshare --net nsfd add --net nsfdip2
check nsfd_add_name_seen_by_ip_netns sh -c \
	'ip netns list | grep -qw nsfdip2 && ip netns exec nsfdip2 ip -br link show lo >/dev/null'
check ip_netns_del_of_nsfd_name sh -c 'ip netns del nsfdip2 && ! nsfd list | grep -qw nsfdip2'

# An unprivileged user in a user namespace of their own: add, list, exec, del,
# the names under XDG_RUNTIME_DIR.
check nsfd_unprivileged_add_list_exec_del as_user unshare -Urmnu sh -ec '
	hostname own
	nsfd add --net --uts own
	[ -e "$XDG_RUNTIME_DIR/netns/own" ] && [ -e "$XDG_RUNTIME_DIR/nsfd/uts/own" ]
	nsfd list -o NAME,TYPE --noheadings | grep -Eq "^own +net\$"
	[ "$(nsfd exec own -- hostname)" = own ]
	nsfd del own
	[ ! -e "$XDG_RUNTIME_DIR/netns/own" ] && [ ! -e "$XDG_RUNTIME_DIR/nsfd/uts/own" ]'

# Credentials after a user namespace, as nsenter: 0 by default, -S/-G, or kept.
holder "-U -u --map-root-user"
check nsfd_exec_user_and_uts sh -c "[ \"\$(nsfd exec -t $HPID -U -u -- hostname)\" = \"\$(nsenter -t $HPID -U -u hostname)\" ]"
check nsfd_exec_setuid_setgid sh -c "[ \"\$(nsfd exec -t $HPID -U -S 0 -G 0 -- id -u -r):\$(nsfd exec -t $HPID -U -G 0 -- id -g)\" = 0:0 ]"
# Root enters a user namespace with a net namespace the initial one owns:
# nsenter joins the user namespace last (its first pass), so does nsfd.
ip netns add nsfdtwo
check nsfd_exec_user_namespace_last_as_nsenter sh -c \
	"nsenter -t $HPID -U --net=/run/netns/nsfdtwo true && nsfd exec -t $HPID -U --net=/run/netns/nsfdtwo -- true"
ip netns del nsfdtwo
# Supplementary groups are dropped before the join (this user namespace
# denies setgroups), as nsenter drops them.
check nsfd_exec_drops_groups_as_nsenter sh -c \
	"want=\$(setpriv --groups=4,24 nsenter -t $HPID -U id -G) && [ \"\$want\" = 0 ] &&
	[ \"\$(setpriv --groups=4,24 nsfd exec -t $HPID -U -- id -G)\" = \"\$want\" ]"
kill "$HPID"
wait "$HPID" 2>/dev/null
holder -U # no uid map: setuid(0) cannot work, credentials can be kept
check nsfd_exec_preserve_credentials sh -c \
	"[ \"\$(nsfd exec -t $HPID -U --preserve-credentials -- id -u)\" = 65534 ] && ! nsfd exec -t $HPID -U -- true 2>/dev/null"
kill "$HPID"
wait "$HPID" 2>/dev/null

# Exit statuses and messages, as util-linux: 127 not found, 126 not runnable,
# the command's status, a signal re-raised (through the pid-namespace fork).
check nsfd_exec_not_found_127 sh -c 'msg=$(nsfd exec -u -- /nonexistent 2>&1); [ $? = 127 ] && [ "$msg" = "nsfd: failed to execute /nonexistent: No such file or directory" ]'
check nsfd_exec_not_executable_126 sh -c 'nsfd exec -u -- /etc/passwd 2>/dev/null; [ $? = 126 ]'
check nsfd_exec_exit_status sh -c 'nsfd exec -u -- sh -c "exit 7"; [ $? = 7 ]'
unshare -p --fork sh -c 'exec sleep 600' &
UPID=$!
INIT=
for ((i = 0; i < 600; i++)); do
	read -r INIT _ </proc/$UPID/task/$UPID/children
	[ -n "$INIT" ] && [ /proc/$INIT/exe -ef "$sleep_bin" ] && break
	pause 0.1
done
# perl's system() gives the raw wait status: a death by SIGTERM is 15, an
# exit with status 143 (what a shell shows for both) is 143 << 8.
check nsfd_exec_pid_namespace_signal_reraised perl -e '
	system("nsfd", "exec", "-t", $ARGV[0], "-p", "--", "sh", "-c", "kill -TERM \$\$");
	$? == 15 or die "status after kill -TERM: $?\n";
	my $ns = `nsfd exec -t $ARGV[0] -p -- sh -c "stat -L -c %i /proc/self/ns/pid; exit 3"`;
	$? == 3 << 8 && $ns == $ARGV[1] or die "status $?, pid namespace $ns, want 3 and $ARGV[1]\n"' "$INIT" "$(ino /proc/$INIT/ns/pid)"
# unshare --fork waits for its child, the namespace's init, which takes
# only SIGKILL from outside.
kill -KILL "$INIT"
wait "$UPID" 2>/dev/null
check nsfd_help_anywhere_exits_0 sh -c 'nsfd --help | grep -q "^Usage:" && nsfd add -n x --help | grep -q "^ nsfd add"'
check nsfd_version sh -c 'nsfd exec -V | grep -q "^nsfd from nsfd "'
check nsfd_usage_error_exits_1 sh -c \
	'msg=$(nsfd add --bogus x 2>&1); [ $? = 1 ] && [ "$(echo "$msg" | head -n1)" = "nsfd: unrecognized option '"'"'--bogus'"'"'" ] && echo "$msg" | grep -qx "Try .nsfd --help. for more information."'
check nsfd_failure_message_names_what_and_why sh -c \
	'msg=$(nsfd show /proc/self/fd/999 2>&1); [ $? = 1 ] && [ "$msg" = "nsfd: cannot open /proc/self/fd/999: No such file or directory" ]'
check nsfd_show_prints_fields sh -c \
	'nsfd fd --net --fd 7 -- nsfd show /proc/self/fd/7 | grep -c "^\(type: net\|ns: [0-9]*\|id: [0-9]*\|userns: [0-9]*\|owner_uid: 0\)$" | grep -qx 5'
# No procfs needed: in a mount namespace whose /proc is absent, or is the
# procfs of a pid namespace this process is not in, nsfd pins (open_tree +
# move_mount), lists (listmount/statmount), shows, enters and unpins; ip
# netns add fails there, for want of /proc (the contrast).
no_proc_flow() { # no_proc_flow absent|foreign
	unshare -m --propagation private sh -ec '
		umount -l /proc
		if [ "$1" = foreign ]; then
			unshare -p -f mount -t proc proc /proc
			[ ! -e /proc/self ] || { echo "/proc/self exists in the foreign procfs"; exit 1; }
		fi
		if msg=$(ip netns add nsfdnp 2>&1); then echo "ip netns add succeeded without /proc"; exit 1; fi
		# iproute2 6.1 opens /proc/self/ns/net ("Cannot open init namespace")
		# and leaves its new file behind.
		case $msg in *"No such file or directory"*) ;; *) echo "ip netns add failed elsewhere: $msg"; exit 1 ;; esac
		rm -f /run/netns/nsfdnp
		unshare --net sh -ec "ip link add nsfdnp0 type dummy; nsfd add --net nsfdnp"
		unshare --uts sh -ec "hostname noproc; nsfd add --uts nsfdnp"
		[ "$(nsfd list -o NAME,TYPE --noheadings | grep -E "^nsfdnp " | sort | tr -s " " | tr "\n" ,)" = "nsfdnp net,nsfdnp uts," ] ||
			{ echo "list: $(nsfd list 2>&1)"; exit 1; }
		nsfd show --uts nsfdnp | grep -qx "type: uts"
		[ "$(nsfd exec nsfdnp -- hostname)" = noproc ]
		nsfd exec nsfdnp -- ip -br link show nsfdnp0 >/dev/null
		nsfd del nsfdnp
		[ ! -e /run/netns/nsfdnp ] && [ ! -e /run/nsfd/uts/nsfdnp ]' sh "$1"
}
check nsfd_without_proc_where_ip_netns_add_fails no_proc_flow absent
check nsfd_with_foreign_proc_where_ip_netns_add_fails no_proc_flow foreign

rm -rf "$userdir"

umount "$work" 2>/dev/null
rm -rf "$work"
ktap_end
