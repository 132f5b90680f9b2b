// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the component, run by a kernel built with `CONFIG_KUNIT=y` at boot (the debug
//! flavour); `make test` collects their KTAP from the kernel log as the `kunit` suite.

use kernel::prelude::*;

#[kunit_tests(nsfd)]
mod tests {
    use crate::ns::{
        flush_delayed_fput,
        Namespace,
        NsKind,
        ALL_TYPES,
        FOR_CHILDREN, //
    };
    use crate::nsset::NsSet;
    use kernel::{bindings, error::from_err_ptr, prelude::*, sync::aref::ARef};

    fn decodes(nstype: c_ulong) -> bool {
        NsKind::from_nstype(nstype).is_ok()
    }

    fn errno(nstype: c_ulong) -> i32 {
        match NsKind::from_nstype(nstype) {
            Ok(_) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// Each namespace type and whether its `CONFIG` is on in this kernel.
    const CONFIGURED: [(u32, bool); 8] = [
        (bindings::CLONE_NEWNS, true),
        (bindings::CLONE_NEWUTS, cfg!(CONFIG_UTS_NS)),
        (bindings::CLONE_NEWIPC, cfg!(CONFIG_IPC_NS)),
        (bindings::CLONE_NEWNET, cfg!(CONFIG_NET_NS)),
        (bindings::CLONE_NEWPID, cfg!(CONFIG_PID_NS)),
        (bindings::CLONE_NEWUSER, cfg!(CONFIG_USER_NS)),
        (bindings::CLONE_NEWCGROUP, cfg!(CONFIG_CGROUPS)),
        (bindings::CLONE_NEWTIME, cfg!(CONFIG_TIME_NS)),
    ];

    /// Whether the namespace type `flag` is configured in this kernel.
    fn configured(flag: u32) -> bool {
        CONFIGURED.iter().any(|&(f, on)| f == flag && on)
    }

    /// Marks the running case skipped, with `reason`, as C's `kunit_mark_skipped()`.
    fn mark_skipped(reason: &CStr) {
        // SAFETY: FFI call without requirements; null outside a KUnit case.
        let test = unsafe { bindings::kunit_get_current_test() };
        if test.is_null() {
            return;
        }
        let reason = reason.to_bytes();
        let n = reason
            .len()
            .min(bindings::KUNIT_STATUS_COMMENT_SIZE as usize - 1);
        // The runner keeps `*test` until the case's thread ends, and other threads of a case
        // may write its status too (C uses WRITE_ONCE): write through raw pointers, volatile,
        // without references.
        // SAFETY: `test` is the running case's live `struct kunit`; no reference is made.
        let comment = unsafe { (&raw mut (*test).status_comment).cast::<c_char>() };
        for (i, b) in reason[..n].iter().enumerate() {
            // SAFETY: `i < n < KUNIT_STATUS_COMMENT_SIZE`: inside `status_comment`.
            unsafe { comment.add(i).write_volatile(*b as c_char) };
        }
        // SAFETY: `n < KUNIT_STATUS_COMMENT_SIZE`: inside `status_comment`.
        unsafe { comment.add(n).write_volatile(0) };
        // SAFETY: `test` is the running case's live `struct kunit`; `status` is its field.
        unsafe { (&raw mut (*test).status).write_volatile(bindings::kunit_status_KUNIT_SKIPPED) };
    }

    /// Each `CLONE_NEW*` flag alone is a type; pid and time also for children. A type whose
    /// `CONFIG` is off is `EOPNOTSUPP`, as Documentation/nsfd.rst says.
    #[test]
    fn nstype_each_type_decodes() {
        let mut bit = 1 as c_ulong;
        while bit != 0 {
            if ALL_TYPES & bit != 0 {
                let want = if configured(bit as u32) {
                    0
                } else {
                    EOPNOTSUPP.to_errno()
                };
                assert_eq!(errno(bit), want);
            }
            bit <<= 1;
        }
        for flag in [bindings::CLONE_NEWPID, bindings::CLONE_NEWTIME] {
            assert_eq!(decodes(flag as c_ulong | FOR_CHILDREN), configured(flag));
        }
    }

    /// Zero, several types, unknown or high bits, and for-children with any other type are
    /// `EINVAL`, as Documentation/nsfd.rst says.
    #[test]
    fn nstype_invalid_values_are_einval() {
        let einval = EINVAL.to_errno();
        assert_eq!(errno(0), einval);
        assert_eq!(errno(FOR_CHILDREN), einval);
        assert_eq!(errno(ALL_TYPES), einval);
        assert_eq!(
            errno((bindings::CLONE_NEWNET | bindings::CLONE_NEWUTS) as c_ulong),
            einval
        );
        assert_eq!(
            errno(bindings::CLONE_NEWNET as c_ulong | FOR_CHILDREN),
            einval
        );
        assert_eq!(
            errno(bindings::CLONE_NEWUSER as c_ulong | FOR_CHILDREN),
            einval
        );
        // The top bit of unsigned long, whatever its width.
        let top_bit = 1 << (c_ulong::BITS - 1);
        assert_eq!(errno(bindings::CLONE_NEWNET as c_ulong | top_bit), einval);
        assert_eq!(errno(c_ulong::MAX), einval);
        let mut bit = 1 as c_ulong;
        while bit != 0 {
            if (ALL_TYPES | FOR_CHILDREN) & bit == 0 {
                assert_eq!(errno(bit), einval);
            }
            bit <<= 1;
        }
    }

    /// setns() from a kernel thread (KUnit's) changes nothing and is `EINVAL`: the `install`
    /// and `commit` steps of a time namespace use the task's `mm`, which a kernel thread lacks.
    #[test]
    fn nsset_join_from_a_kernel_thread_is_einval() -> Result {
        for flag in [bindings::CLONE_NEWUTS, bindings::CLONE_NEWTIME] {
            let Some(ns) = NsKind::from_nstype(flag as c_ulong)
                .ok()
                .and_then(|k| k.of_task(current!()))
            else {
                continue;
            };
            assert_eq!(
                NsSet::join(&ns).err().map(|e| e.to_errno()),
                Some(EINVAL.to_errno())
            );
        }
        Ok(())
    }

    /// A new network namespace of the initial user namespace: not an initial namespace, so
    /// its references are counted (those of the initial ones are pinned).
    #[cfg(CONFIG_NET_NS)]
    fn fresh_net_namespace() -> Result<Option<ARef<Namespace>>> {
        // SAFETY: The initial user and network namespaces are statics that live as long as
        // the kernel; `copy_net_ns` takes its own reference to the user namespace and ignores
        // the old network namespace when `CLONE_NEWNET` is set.
        let net = unsafe {
            bindings::copy_net_ns(
                u64::from(bindings::CLONE_NEWNET),
                &raw mut bindings::init_user_ns,
                &raw mut bindings::init_net,
            )
        };
        let net = from_err_ptr(net)?;
        // SAFETY: `copy_net_ns` returned a new network namespace with one reference, which we
        // take over; its `ns` is initialised with the net operations.
        Ok(unsafe { Namespace::from_counted(&raw mut (*net).ns) })
    }

    /// Without `CONFIG_NET_NS` there is no namespace but the initial one.
    #[cfg(not(CONFIG_NET_NS))]
    fn fresh_net_namespace() -> Result<Option<ARef<Namespace>>> {
        Ok(None)
    }

    /// A handle made and dropped in the kernel gives back every reference it took, on a fresh
    /// namespace: a leaked reference leaves the count one higher.
    #[test]
    fn handle_lifetime_returns_references() -> Result {
        let Some(ns) = fresh_net_namespace()? else {
            mark_skipped(c"CONFIG_NET_NS is off: no namespace but the initial one, whose references are not counted");
            return Ok(());
        };
        flush_delayed_fput();
        let before = ns.ref_count();
        let file = Namespace::open_file(ns.clone())?;
        // The handle's inode holds exactly one reference.
        assert_eq!(ns.ref_count(), before + 1);
        // A second file of the namespace shares its inode, and so that reference.
        let again = Namespace::open_file(ns.clone())?;
        assert_eq!(ns.ref_count(), before + 1);
        drop(again);
        drop(file);
        // A kernel thread's last fput() is deferred: wait for it, then the nsfs inode is
        // evicted and its reference dropped.
        flush_delayed_fput();
        assert_eq!(ns.ref_count(), before);
        Ok(())
    }
}
