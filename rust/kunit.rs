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
    use kernel::{bindings, prelude::*};

    fn decodes(nstype: c_ulong) -> bool {
        NsKind::from_nstype(nstype).is_ok()
    }

    fn errno(nstype: c_ulong) -> i32 {
        match NsKind::from_nstype(nstype) {
            Ok(_) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// Each `CLONE_NEW*` flag alone is a type; pid and time also for children.
    #[test]
    fn nstype_each_type_decodes() {
        let mut bit = 1 as c_ulong;
        while bit != 0 {
            if ALL_TYPES & bit != 0 {
                assert!(decodes(bit));
            }
            bit <<= 1;
        }
        assert!(decodes(bindings::CLONE_NEWPID as c_ulong | FOR_CHILDREN));
        assert!(decodes(bindings::CLONE_NEWTIME as c_ulong | FOR_CHILDREN));
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
        assert_eq!(errno(bindings::CLONE_NEWNET as c_ulong | 1 << 40), einval);
        assert_eq!(errno(c_ulong::MAX), einval);
        let mut bit = 1 as c_ulong;
        while bit != 0 {
            if (ALL_TYPES | FOR_CHILDREN) & bit == 0 {
                assert_eq!(errno(bit), einval);
            }
            bit <<= 1;
        }
    }

    /// A handle made and dropped in the kernel gives back every namespace reference it took.
    #[test]
    fn handle_lifetime_returns_references() -> Result {
        for nstype in [
            bindings::CLONE_NEWUTS,
            bindings::CLONE_NEWNET,
            bindings::CLONE_NEWUSER,
        ] {
            let ns = NsKind::from_nstype(nstype as c_ulong)?
                .of_task(current!())
                .ok_or(ESRCH)?;
            flush_delayed_fput();
            let before = ns.ref_count();
            let file = Namespace::open_file(ns.clone())?;
            // The handle's inode holds a reference (or the inode of an open file of it did).
            assert!(ns.ref_count() >= before);
            drop(file);
            // A kernel thread's last fput() is deferred: wait for it, then the nsfs inode is
            // evicted and its reference dropped.
            flush_delayed_fput();
            assert_eq!(ns.ref_count(), before);
        }
        Ok(())
    }
}
