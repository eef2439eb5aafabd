//! Finding the line of a config node, for error messages.

/// The lines of a config file, to point errors at the right place.
pub(crate) struct LineIndex<'a> {
    lines: Vec<&'a str>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            lines: text.lines().collect(),
        }
    }

    /// The 1-based line of the list item or key whose `id:` is `id`; 1 when not found.
    pub(crate) fn line_of_id(&self, id: &str) -> usize {
        self.lines
            .iter()
            .position(|line| {
                let t = line.trim_start().trim_start_matches('-').trim_start();
                t.strip_prefix("id:")
                    .is_some_and(|rest| rest.trim().trim_matches(['\'', '"']) == id)
                    || t.strip_suffix(':')
                        .is_some_and(|key| key.trim_matches(['\'', '"']) == id)
            })
            .map_or(1, |i| i + 1)
    }

    /// The line of a serde path like `pipes[1].params.limit`: the last key found after the line
    /// of the path's first keys; 1 when not found.
    pub(crate) fn line_of_path(&self, path: &str) -> usize {
        let keys: Vec<&str> = path
            .split(['.', '['])
            .map(|k| k.trim_end_matches(']'))
            .filter(|k| !k.is_empty() && k.parse::<usize>().is_err())
            .collect();
        let mut from = 0;
        let mut found = 1;
        for key in keys {
            let hit = self.lines.iter().enumerate().skip(from).find(|(_, line)| {
                let t = line.trim_start().trim_start_matches('-').trim_start();
                t.starts_with(&format!("{key}:"))
                    || t.starts_with(&format!("'{key}':"))
                    || t.starts_with(&format!("\"{key}\":"))
            });
            if let Some((i, _)) = hit {
                from = i + 1;
                found = i + 1;
            }
        }
        found
    }
}
