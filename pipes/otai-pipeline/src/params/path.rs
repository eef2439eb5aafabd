//! Paths of params below `params:`, as errors show them: `rules[0].patterns`, `note.body`.

/// One step of a path: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// `a.b[0].c`; the empty string for the params themselves.
pub(crate) fn display(path: &[Seg]) -> String {
    let mut text = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) if text.is_empty() => text.push_str(key),
            Seg::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Seg::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text
}

/// `path` followed by `key`, displayed.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether two displayed paths overlap: equal, or one lies inside the other (the empty path,
/// the params themselves, overlaps every path).
pub(crate) fn related(a: &str, b: &str) -> bool {
    let inside = |inner: &str, outer: &str| {
        outer.is_empty()
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    };
    inside(a, b) || inside(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_display_like_yaml_and_overlap_by_prefix() {
        let path = [
            Seg::Key("rules".into()),
            Seg::Index(0),
            Seg::Key("patterns".into()),
        ];
        assert_eq!(display(&path), "rules[0].patterns");
        assert_eq!(display(&[]), "");
        assert_eq!(join("", "items"), "items");
        assert_eq!(join("note", "body"), "note.body");
        assert!(related("note.body", "note"));
        assert!(related("note", "note.body"));
        assert!(related("rules[0].label", "rules"));
        assert!(related("anything", ""));
        assert!(!related("notes", "note"), "a longer key is another key");
        assert!(!related("limit", "queue"));
    }
}
