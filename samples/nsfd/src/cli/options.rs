//! The tables of commands and options: the only hand-written source of
//! their names, arguments and descriptions. The parser, `--help`, and the
//! generated parts of nsfd(1) and of the bash completion all read them.
//!
//! A `man` text is roff, written as it goes into nsfd(1); the generator
//! strips the indentation of its lines (no roff line here starts with
//! a space).

use nsfd::NsType;

/// The commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Add,
    Del,
    Exec,
    Fd,
    List,
    Show,
}

/// One command of the table.
pub struct CmdSpec {
    pub cmd: Cmd,
    pub word: &'static str,
    /// Its operands, as the usage lines of --help show them.
    pub args: &'static str,
    /// The one-line summary of --help.
    pub help: &'static str,
    /// Its entry under COMMANDS in nsfd(1).
    // Read only by the generator, which only the tests build.
    #[cfg_attr(not(test), allow(dead_code))]
    pub man: &'static str,
}

/// Every command, in --help order.
pub const COMMANDS: [CmdSpec; 6] = [
    CmdSpec {
        cmd: Cmd::Add,
        word: "add",
        args: "[options] NAME|PATH",
        help: "pin namespaces under a name (or at PATH)",
        man: r"
            Pin the namespaces that the type options select (those of the
            \fB\-\-target\fR task, or each option's \fIfile\fR) under \fINAME\fR, or
            at \fIPATH\fR (one namespace; the file is created if it does not exist).
            The name directory is created if needed and made a mount point of its own,
            shared as iproute2 makes
            .I /run/netns
            (private for mount namespaces, which the kernel does not pin on a shared
            mount). A name that exists already is an error. Either every namespace is
            pinned or, after a failure, none.
        ",
    },
    CmdSpec {
        cmd: Cmd::Del,
        word: "del",
        args: "[options] NAME|PATH...",
        help: "unpin: unmount (MNT_DETACH) and remove the file",
        man: r"
            Unpin: unmount the file with
            .B MNT_DETACH
            (so that a process that has it open does not make the unmount fail) and
            .BR UMOUNT_NOFOLLOW ,
            and remove it if it is an empty file. Only a namespace file is touched
            (checked on the opened file: a file of nsfs); anything else at the path,
            a file or directory mounted there, a symbolic link, a FIFO, is left as it
            is and the exit status is 1. A \fINAME\fR is deleted for every type it
            stands for, or for the types that options select.
        ",
    },
    CmdSpec {
        cmd: Cmd::Exec,
        word: "exec",
        args: "[options] [NAME|PATH... --] CMD [ARG...]",
        help: "enter namespaces, then run CMD",
        man: r#"
            Enter every namespace that the operands before \fB\-\-\fR and the type
            options name, then run \fIcommand\fR. Without \fB\-\-\fR the first
            operand is the command, as for
            .BR nsenter (1).
            Namespaces are entered as nsenter enters them: in its order (user
            first, mount late) and in two passes, every type but user first (what
            fails is kept), then the user namespace and what failed; so root entering
            a container's user namespace together with namespaces of its own keeps
            the privilege for those. A user namespace that nsfd is in already is
            skipped. Unless \fB\-\-preserve\-credentials\fR, supplementary groups are
            dropped before a user namespace is entered and again after (a failure
            counts only if both fail).
            Like nsenter and unlike
            .BR "ip netns exec" ,
            \fBexec\fR of a network namespace sets up nothing else: it does not
            remount \fI/sys\fR for the namespace nor bind the files of
            \fI/etc/netns/NAME\fR over \fI/etc\fR (a new mount namespace would be
            needed for both, and a command given a mount namespace of its own would
            lose it); run \fBip netns exec\fR on a net name for that. Two different
            namespaces of one type (a name and a type option, say) are refused with
            exit status 1: only one can be entered. After entering a user
            namespace the uid and gid become 0 unless \fB\-\-preserve\-credentials\fR,
            \fB\-\-setuid\fR or \fB\-\-setgid\fR say otherwise. When a PID namespace is
            entered, \fIcommand\fR runs as a child (setns(2) moves only children into
            it) and nsfd exits with its status, or dies of the same signal.
        "#,
    },
    CmdSpec {
        cmd: Cmd::Fd,
        word: "fd",
        args: "[options] [--] CMD [ARG...]",
        help: "run CMD with a handle as an inherited descriptor",
        man: r"
            Run \fIcommand\fR with a handle to the namespace that one type option
            selects as its inherited descriptor \fB\-\-fd\fR (default 3), so that a
            shell can use it itself: \fBmount \-\-bind /proc/self/fd/3\fR \fIpath\fR,
            \fBnsenter \-\-net=/proc/self/fd/3\fR.
        ",
    },
    CmdSpec {
        cmd: Cmd::List,
        word: "list",
        args: "[options]",
        help: "list pinned namespaces",
        man: r"
            List every pinned namespace: each nsfs mount in nsfd's mount namespace
            (read with
            .BR listmount (2)
            and
            .BR statmount (2);
            from
            .I /proc/self/mountinfo
            only on a kernel without them), with its name where it is pinned under
            one.
        ",
    },
    CmdSpec {
        cmd: Cmd::Show,
        word: "show",
        args: "[options] [NAME|PATH]",
        help: "show one namespace's type, inode, id and owner",
        man: r"
            Print one namespace's type, inode number, 64\-bit id, owning user
            namespace (for a user namespace: its parent) and the uid that created
            that user namespace. The namespace is a \fINAME\fR (a type option chooses
            among the types it stands for), a \fIPATH\fR, or one type option.
        ",
    },
];

const ALL_CMDS: &[Cmd] = &[Cmd::Add, Cmd::Del, Cmd::Exec, Cmd::Fd, Cmd::List, Cmd::Show];
const TYPE_CMDS: &[Cmd] = &[Cmd::Add, Cmd::Del, Cmd::Exec, Cmd::Fd, Cmd::Show];
const TASK_CMDS: &[Cmd] = &[Cmd::Add, Cmd::Exec, Cmd::Fd, Cmd::Show];

pub fn command_word(c: Cmd) -> &'static str {
    COMMANDS.iter().find(|x| x.cmd == c).unwrap().word
}

/// What an option is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptId {
    Target,
    /// A namespace type option (-m, -u, ...), optionally `=FILE`.
    Type(NsType),
    All,
    ForChildren,
    Fd,
    Json,
    Output,
    NoHeadings,
    SetUid,
    SetGid,
    PreserveCred,
    Help,
    Version,
}

/// Whether an option takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    None,
    Required(&'static str),
    Optional(&'static str),
}

/// One option of the table.
pub struct OptSpec {
    pub id: OptId,
    pub short: Option<char>,
    pub long: &'static str,
    pub value: Value,
    /// The commands that take it.
    pub cmds: &'static [Cmd],
    /// Its line in --help.
    pub help: &'static str,
    /// Its entry under OPTIONS in nsfd(1).
    // Read only by the generator, which only the tests build.
    #[cfg_attr(not(test), allow(dead_code))]
    pub man: &'static str,
}

const fn o(
    id: OptId,
    short: Option<char>,
    long: &'static str,
    value: Value,
    cmds: &'static [Cmd],
    help: &'static str,
    man: &'static str,
) -> OptSpec {
    OptSpec {
        id,
        short,
        long,
        value,
        cmds,
        help,
        man,
    }
}

const FILE: Value = Value::Optional("file");

/// The options, in --help order. The type options are nsenter's letters.
pub const OPTIONS: &[OptSpec] = &[
    o(
        OptId::Target,
        Some('t'),
        "target",
        Value::Required("pid"),
        TASK_CMDS,
        "the task whose namespaces to use (default: nsfd itself)",
        r"
        The task whose namespaces the type options without \fIfile\fR select;
        by default nsfd itself.
        ",
    ),
    o(
        OptId::Type(NsType::Mnt),
        Some('m'),
        "mount",
        FILE,
        TYPE_CMDS,
        "the mount namespace",
        "The mount namespace.",
    ),
    o(
        OptId::Type(NsType::Uts),
        Some('u'),
        "uts",
        FILE,
        TYPE_CMDS,
        "the UTS namespace (hostname etc)",
        "The UTS namespace (host and domain name).",
    ),
    o(
        OptId::Type(NsType::Ipc),
        Some('i'),
        "ipc",
        FILE,
        TYPE_CMDS,
        "the System V IPC namespace",
        "The System V IPC and POSIX message queue namespace.",
    ),
    o(
        OptId::Type(NsType::Net),
        Some('n'),
        "net",
        FILE,
        TYPE_CMDS,
        "the network namespace",
        "The network namespace.",
    ),
    o(
        OptId::Type(NsType::Pid),
        Some('p'),
        "pid",
        FILE,
        TYPE_CMDS,
        "the PID namespace",
        "The PID namespace.",
    ),
    o(
        OptId::Type(NsType::User),
        Some('U'),
        "user",
        FILE,
        TYPE_CMDS,
        "the user namespace",
        "The user namespace.",
    ),
    o(
        OptId::Type(NsType::Cgroup),
        Some('C'),
        "cgroup",
        FILE,
        TYPE_CMDS,
        "the cgroup namespace",
        "The cgroup namespace.",
    ),
    o(
        OptId::Type(NsType::Time),
        Some('T'),
        "time",
        FILE,
        TYPE_CMDS,
        "the time namespace",
        "The time namespace.",
    ),
    o(
        OptId::All,
        Some('a'),
        "all",
        Value::None,
        &[Cmd::Add, Cmd::Exec],
        "every namespace of the target that is not nsfd's own",
        "Every namespace of the target that is not nsfd's own.",
    ),
    o(
        OptId::ForChildren,
        None,
        "for-children",
        Value::None,
        TASK_CMDS,
        "with -p, -T: the namespace the target's children are made in",
        r"
        With \fB\-p\fR or \fB\-T\fR: the namespace the target's children are created
        in
        .RI ( /proc/PID/ns/pid_for_children ,
        .IR time_for_children ).
        ",
    ),
    o(
        OptId::Fd,
        None,
        "fd",
        Value::Required("num"),
        &[Cmd::Fd],
        "the descriptor number CMD gets (default 3)",
        r"The descriptor number the command of \fBfd\fR gets (default 3).",
    ),
    o(
        OptId::Json,
        Some('J'),
        "json",
        Value::None,
        &[Cmd::List, Cmd::Show],
        "use JSON output format",
        r#"
        Use JSON output format (\fBlist\fR, \fBshow\fR), shaped as
        .BR lsns (8)
        shapes it: an object whose "namespaces" array holds one object per
        namespace.
        "#,
    ),
    o(
        OptId::Output,
        Some('o'),
        "output",
        Value::Required("list"),
        &[Cmd::List],
        "the columns to print (+list: add to the default)",
        r"
        The columns \fBlist\fR prints, separated by commas; \fB+\fIlist\fR adds to the
        default (NAME,TYPE,NS,PATH). Columns: NAME, TYPE, NS (inode number), ID
        (NS_GET_ID), PATH.
        ",
    ),
    o(
        OptId::NoHeadings,
        None,
        "noheadings",
        Value::None,
        &[Cmd::List],
        "don't print headings",
        r"Do not print a heading line (\fBlist\fR).",
    ),
    o(
        OptId::SetUid,
        Some('S'),
        "setuid",
        Value::Required("uid"),
        &[Cmd::Exec],
        "set uid in the entered namespaces",
        r"The uid the command of \fBexec\fR runs as.",
    ),
    o(
        OptId::SetGid,
        Some('G'),
        "setgid",
        Value::Required("gid"),
        &[Cmd::Exec],
        "set gid in the entered namespaces",
        r"The gid the command of \fBexec\fR runs as; supplementary groups are dropped.",
    ),
    o(
        OptId::PreserveCred,
        None,
        "preserve-credentials",
        Value::None,
        &[Cmd::Exec],
        "do not touch uids or gids",
        "Keep uid and gid after entering a user namespace.",
    ),
    o(
        OptId::Help,
        Some('h'),
        "help",
        Value::None,
        ALL_CMDS,
        "display this help",
        "Display help text and exit.",
    ),
    o(
        OptId::Version,
        Some('V'),
        "version",
        Value::None,
        ALL_CMDS,
        "display version",
        "Display version and exit.",
    ),
];

/// What nsfd(1) says of all the type options, after the last of them.
// Read only by the generator, which only the tests build.
#[cfg_attr(not(test), allow(dead_code))]
pub const TYPE_OPTIONS_MAN: &str = r"
    For each type option: without \fIfile\fR, the namespace of the target;
    with it, the namespace that \fIfile\fR names, a \fINAME\fR of that type or
    a \fIPATH\fR. As for
    .BR nsenter (1),
    the short options take \fIfile\fR attached (\fB\-n\fIfile\fR) and the long
    ones after \fB=\fR.
";
