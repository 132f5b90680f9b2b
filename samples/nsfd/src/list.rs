//! `nsfd list` and `nsfd show`: what is pinned, and what one namespace is.

use crate::error::{fail, strerror, write_out, Failure};
use crate::mounts::{nsfs_mounts, NsfsMount};
use crate::names::RunDir;
use nsfd::{NsHandle, NsType};
use serde_json::{json, Map, Value};
use std::ffi::OsString;
use std::path::PathBuf;

/// One pinned namespace: an nsfs mount in the caller's mount namespace.
#[derive(Debug, PartialEq, Eq)]
pub struct Pinned {
    /// The name, when the mount is in the name tree.
    pub name: Option<OsString>,
    /// The type as /proc/PID/ns names it ("net").
    pub ty: String,
    /// The namespace's inode number.
    pub ns: u64,
    pub path: PathBuf,
}

/// The pinned namespaces among nsfs mounts, named where they are in `run`'s tree.
pub fn pinned(mounts: &[NsfsMount], run: &RunDir) -> Vec<Pinned> {
    let mut out = vec![];
    for m in mounts {
        // The root of an nsfs mount is "TYPE:[INODE]".
        let root = String::from_utf8_lossy(&m.root);
        let Some((ty, ns)) = root.split_once(":[") else {
            continue;
        };
        let Some(ns) = ns.strip_suffix(']').and_then(|n| n.parse().ok()) else {
            continue;
        };
        let path = PathBuf::from(&m.point);
        // Where /run is shared (systemd's default), a pin propagates to the
        // name directory's self-bind and shows twice at one path: one row.
        if out.iter().any(|p: &Pinned| p.path == path && p.ns == ns) {
            continue;
        }
        let name = path
            .parent()
            .and_then(|d| run.type_of_dir(d))
            .filter(|t| t.link_name() == ty)
            .and_then(|_| path.file_name().map(|n| n.to_owned()));
        out.push(Pinned {
            name,
            ty: ty.to_string(),
            ns,
            path,
        });
    }
    out
}

/// The columns of `nsfd list`.
pub const COLUMNS: [(&str, &str); 5] = [
    ("NAME", "the name, if pinned in the name tree"),
    ("TYPE", "namespace type"),
    ("NS", "namespace inode number"),
    ("ID", "64-bit namespace id (NS_GET_ID)"),
    ("PATH", "where it is pinned"),
];
const DEFAULT_COLUMNS: [&str; 4] = ["NAME", "TYPE", "NS", "PATH"];

/// `-o LIST` (or `+LIST`: added to the default) as column names.
pub fn columns(spec: Option<&str>) -> Result<Vec<&'static str>, Failure> {
    let mut cols: Vec<&'static str> = vec![];
    let spec = match spec {
        None => return Ok(DEFAULT_COLUMNS.to_vec()),
        Some(s) => match s.strip_prefix('+') {
            Some(rest) => {
                cols.extend(DEFAULT_COLUMNS);
                rest
            }
            None => s,
        },
    };
    for c in spec.split(',').filter(|c| !c.is_empty()) {
        let col = COLUMNS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(c))
            .ok_or_else(|| Failure::new(format!("unknown column: {c}")))?;
        cols.push(col.0);
    }
    if cols.is_empty() {
        return Err(Failure::new("no columns"));
    }
    Ok(cols)
}

fn cell(p: &Pinned, col: &str, errors: &mut Vec<String>) -> Value {
    match col {
        "NAME" => p
            .name
            .as_ref()
            .map_or(Value::Null, |n| n.to_string_lossy().into()),
        "TYPE" => p.ty.clone().into(),
        "NS" => p.ns.into(),
        "ID" => match NsHandle::open_path(&p.path).and_then(|h| h.id()) {
            Ok(id) => id.into(),
            Err(e) => {
                errors.push(format!(
                    "cannot read the id of {}: {}",
                    p.path.display(),
                    strerror(&e)
                ));
                Value::Null
            }
        },
        _ => p.path.to_string_lossy().into(),
    }
}

/// The rows of `list` as a table or as lsns-style JSON.
pub fn render(rows: &[Pinned], cols: &[&str], json: bool, headings: bool) -> (String, Vec<String>) {
    let mut errors = vec![];
    let cells: Vec<Vec<Value>> = rows
        .iter()
        .map(|r| cols.iter().map(|c| cell(r, c, &mut errors)).collect())
        .collect();
    if json {
        let items: Vec<Value> = cells
            .into_iter()
            .map(|row| {
                let m: Map<String, Value> = cols
                    .iter()
                    .map(|c| c.to_ascii_lowercase())
                    .zip(row)
                    .collect();
                Value::Object(m)
            })
            .collect();
        let doc = json!({ "namespaces": items });
        return (serde_json::to_string_pretty(&doc).unwrap() + "\n", errors);
    }
    let text = |v: &Value| match v {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let mut lines: Vec<Vec<String>> = cells.iter().map(|r| r.iter().map(text).collect()).collect();
    if headings {
        lines.insert(0, cols.iter().map(|c| c.to_string()).collect());
    }
    let width: Vec<usize> = (0..cols.len())
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for l in lines {
        let fields: Vec<String> = l
            .iter()
            .enumerate()
            .map(|(i, s)| match (cols[i], i + 1 == cols.len()) {
                ("NS" | "ID", _) => format!("{s:>w$}", w = width[i]),
                (_, true) => s.clone(),
                _ => format!("{s:<w$}", w = width[i]),
            })
            .collect();
        out += fields.join(" ").trim_end();
        out += "\n";
    }
    (out, errors)
}

/// `nsfd list`.
pub fn list(run: &RunDir, output: Option<&str>, json: bool, headings: bool) -> Result<(), Failure> {
    let cols = columns(output)?;
    let mounts = nsfs_mounts().map_err(|e| fail("cannot list the mounts", e))?;
    let rows = pinned(&mounts, run);
    let (out, errors) = render(&rows, &cols, json, headings);
    write_out(&out)?;
    partial(errors)
}

/// Reports what could not be read; any such field fails the command.
fn partial(mut errors: Vec<String>) -> Result<(), Failure> {
    let Some(last) = errors.pop() else {
        return Ok(());
    };
    for e in errors {
        eprintln!("nsfd: {e}");
    }
    Err(Failure::new(last))
}

/// `nsfd show`: every field of one namespace; a field that cannot be read is
/// `-` (null in JSON), and fails the command after printing the rest.
pub fn show(h: &NsHandle, json: bool) -> Result<(), Failure> {
    let mut errors = vec![];
    let mut field = |what: &str, r: std::io::Result<u64>| match r {
        Ok(v) => Value::from(v),
        // An owner outside the caller's user namespace (the initial user
        // namespace has none at all) is not visible: empty, as lsns shows it.
        Err(e) if what.contains("NS_GET_USERNS") && e.raw_os_error() == Some(libc::EPERM) => {
            Value::Null
        }
        Err(e) => {
            errors.push(format!("cannot read {what}: {}", strerror(&e)));
            Value::Null
        }
    };
    let fields = [
        ("type", Value::from(h.ns_type().name())),
        ("ns", field("the inode number", h.inode())),
        ("id", field("the id (NS_GET_ID)", h.id())),
        (
            "userns",
            field(
                "the owning user namespace (NS_GET_USERNS)",
                h.userns().and_then(|u| u.inode()),
            ),
        ),
        (
            "owner_uid",
            field(
                if h.ns_type() == NsType::User {
                    "the owner uid (NS_GET_OWNER_UID)"
                } else {
                    "the owner uid (NS_GET_USERNS, then NS_GET_OWNER_UID)"
                },
                h.owner_uid().map(|u| u64::from(u.as_raw())),
            ),
        ),
    ];
    if json {
        let m: Map<String, Value> = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        // lsns's shape, as list -J: one namespace in "namespaces".
        let doc = json!({ "namespaces": [Value::Object(m)] });
        write_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap()
        ))?;
    } else {
        let mut out = String::new();
        for (k, v) in fields {
            let v = match v {
                Value::Null => "-".to_string(),
                Value::String(s) => s,
                v => v.to_string(),
            };
            out += &format!("{k}: {v}\n");
        }
        write_out(&out)?;
    }
    partial(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 1 0:21 / /run rw,nosuid shared:5 - tmpfs tmpfs rw
40 22 0:21 /netns /run/netns rw shared:20 - tmpfs tmpfs rw
41 40 0:4 net:[4026532281] /run/netns/blue rw shared:21 - nsfs nsfs rw
42 22 0:4 uts:[4026532290] /run/nsfd/uts/red rw - nsfs nsfs rw
43 22 0:4 uts:[4026532291] /tmp/my\\040uts rw - nsfs nsfs rw
44 22 0:4 ipc:[4026532300] /run/nsfd/uts/odd rw - nsfs nsfs rw
";

    fn rows() -> Vec<Pinned> {
        let mounts = crate::mounts::parse_mountinfo(MOUNTINFO.as_bytes());
        pinned(&mounts, &RunDir::at("/run"))
    }

    #[test]
    fn nsfs_mounts_with_names_from_the_tree() {
        let r = rows();
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].name.as_deref(), Some(std::ffi::OsStr::new("blue")));
        assert_eq!((r[0].ty.as_str(), r[0].ns), ("net", 4026532281));
        assert_eq!(r[1].name.as_deref(), Some(std::ffi::OsStr::new("red")));
        // Outside the tree, and an ipc namespace in the uts directory: no name.
        assert_eq!(r[2].name, None);
        assert_eq!(r[2].path, PathBuf::from("/tmp/my uts"));
        assert_eq!(r[3].name, None);
    }

    #[test]
    fn a_pin_seen_twice_at_one_path_is_one_row() {
        // /run/netns a shared self-bind under a shared /run: the pin is in both.
        let twice = "\
22 1 0:21 / /run rw,nosuid shared:5 - tmpfs tmpfs rw
40 22 0:21 /netns /run/netns rw shared:20 - tmpfs tmpfs rw
41 40 0:4 net:[4026532281] /run/netns/blue rw shared:21 - nsfs nsfs rw
45 22 0:4 net:[4026532281] /run/netns/blue rw shared:21 - nsfs nsfs rw
";
        let mounts = crate::mounts::parse_mountinfo(twice.as_bytes());
        let r = pinned(&mounts, &RunDir::at("/run"));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].path, PathBuf::from("/run/netns/blue"));
    }

    #[test]
    fn table_and_json() {
        let r = rows();
        let cols = columns(None).unwrap();
        let (t, e) = render(&r[..3], &cols, false, true);
        assert!(e.is_empty());
        assert_eq!(
            t,
            "NAME TYPE         NS PATH\n\
             blue net  4026532281 /run/netns/blue\n\
             red  uts  4026532290 /run/nsfd/uts/red\n\
             -    uts  4026532291 /tmp/my uts\n"
        );
        let (j, _) = render(&r[..1], &columns(Some("name,ns")).unwrap(), true, true);
        let v: Value = serde_json::from_str(&j).unwrap();
        assert_eq!(
            v,
            json!({"namespaces": [{"name": "blue", "ns": 4026532281u64}]})
        );
        assert!(j.find("\"name\"").unwrap() < j.find("\"ns\"").unwrap());
        let (n, _) = render(&r[..1], &["TYPE"], false, false);
        assert_eq!(n, "net\n");
    }

    #[test]
    fn column_lists() {
        assert_eq!(
            columns(Some("+ID")).unwrap(),
            ["NAME", "TYPE", "NS", "PATH", "ID"]
        );
        assert_eq!(columns(Some("type")).unwrap(), ["TYPE"]);
        assert_eq!(
            columns(Some("BOGUS")).unwrap_err().msg,
            "unknown column: BOGUS"
        );
    }

    #[test]
    fn an_unreadable_id_is_null_and_an_error() {
        let gone = Pinned {
            name: None,
            ty: "net".into(),
            ns: 1,
            path: "/proc/self/ns/no-such-file".into(),
        };
        let (j, e) = render(&[gone], &["ID"], true, true);
        assert!(j.contains("\"id\": null"));
        assert_eq!(e.len(), 1);
    }
}
