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
/// the params themselves, overlaps every path). [`PathSet::overlaps`] answers it for many paths.
#[cfg(test)]
pub(crate) fn related(a: &str, b: &str) -> bool {
    let inside = |inner: &str, outer: &str| {
        outer.is_empty()
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    };
    inside(a, b) || inside(b, a)
}

/// Displayed paths, to ask whether a path overlaps any of them ([`related`]) in time
/// logarithmic in their number: a path's own prefixes are looked up, and the paths inside it
/// are found as a range.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathSet(std::collections::BTreeSet<String>);

impl PathSet {
    /// Adds `path`.
    pub(crate) fn insert(&mut self, path: String) {
        self.0.insert(path);
    }

    /// Whether any path of the set is [`related`] to `path`.
    pub(crate) fn overlaps(&self, path: &str) -> bool {
        if self.0.is_empty() {
            return false;
        }
        if path.is_empty() || self.0.contains("") {
            return true;
        }
        let outer = path
            .char_indices()
            .filter(|(_, c)| matches!(c, '.' | '['))
            .map(|(at, _)| &path[..at])
            .chain([path]);
        let inner = |mark: char| {
            let start = format!("{path}{mark}");
            self.0
                .range(start.clone()..)
                .next()
                .is_some_and(|p| p.starts_with(&start))
        };
        outer.into_iter().any(|p| self.0.contains(p)) || inner('.') || inner('[')
    }
}

impl FromIterator<String> for PathSet {
    fn from_iter<I: IntoIterator<Item = String>>(paths: I) -> Self {
        Self(paths.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_set_answers_what_related_answers() {
        let paths = ["note.body", "rules[0].label", "items", "a.b.c"];
        let set: PathSet = paths.iter().map(|p| (*p).to_owned()).collect();
        for probe in [
            "note",
            "note.body",
            "note.body.x",
            "notes",
            "note.bod",
            "rules",
            "rules[0]",
            "rules[1]",
            "rules[0].label.x",
            "item",
            "items[3]",
            "a",
            "a.b",
            "a.bc",
            "",
            "x",
        ] {
            let expected = paths.iter().any(|p| related(probe, p));
            assert_eq!(set.overlaps(probe), expected, "{probe}");
        }
        assert!(!PathSet::default().overlaps(""));
        let all: PathSet = [String::new()].into_iter().collect();
        assert!(all.overlaps("anything"));
    }

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
