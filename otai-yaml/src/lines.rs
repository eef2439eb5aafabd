//! Where each node of a read file is: its line and its children.

use std::collections::HashMap;

/// A node of a read file, to find its line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeId(usize);

/// Where each node of a read file is: its line and its children's nodes.
#[derive(Clone, Default, PartialEq)]
pub struct Lines {
    nodes: Vec<LineNode>,
}

impl std::fmt::Debug for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lines({} nodes)", self.nodes.len())
    }
}

#[derive(Clone, Default, PartialEq)]
struct LineNode {
    /// For a map's value, the line of its key; otherwise where the node starts.
    line: usize,
    /// Maps: keys in file order. Lists: items, keyed by nothing.
    children: Vec<(Option<String>, NodeId)>,
    /// Maps: each key's node, so a key is found without a scan (a map may have many keys, and
    /// each problem reported below it looks one up).
    by_key: HashMap<String, NodeId>,
}

impl Lines {
    /// The 1-based line of `node` (1 when unknown).
    pub fn line(&self, node: NodeId) -> usize {
        self.nodes.get(node.0).map_or(1, |n| n.line.max(1))
    }

    /// The node of map key `key` under `node`.
    pub fn child(&self, node: NodeId, key: &str) -> Option<NodeId> {
        self.nodes.get(node.0)?.by_key.get(key).copied()
    }

    /// The node of list item `index` under `node`.
    pub fn item(&self, node: NodeId, index: usize) -> Option<NodeId> {
        self.nodes
            .get(node.0)
            .filter(|n| n.children.first().is_some_and(|(k, _)| k.is_none()))
            .and_then(|n| n.children.get(index))
            .map(|(_, id)| *id)
    }

    /// A map's keys with their nodes, in file order (nothing for lists and scalars).
    pub fn entries(&self, node: NodeId) -> impl Iterator<Item = (&str, NodeId)> {
        self.children(node)
            .filter_map(|(k, id)| k.as_deref().map(|k| (k, *id)))
    }

    /// A list's item nodes, in order (nothing for maps and scalars).
    pub fn items(&self, node: NodeId) -> impl Iterator<Item = NodeId> {
        self.children(node)
            .filter(|(k, _)| k.is_none())
            .map(|(_, id)| *id)
    }

    /// The deepest node on `path` below `node` (`params.list[2].name`): as far as it exists.
    pub fn find(&self, node: NodeId, path: &str) -> NodeId {
        let mut at = node;
        for segment in path.split('.').filter(|s| !s.is_empty()) {
            let (key, indexes) = segment.split_once('[').unwrap_or((segment, ""));
            if !key.is_empty() {
                match self.child(at, key) {
                    Some(next) => at = next,
                    None => return at,
                }
            }
            for index in indexes.split('[').map(|i| i.trim_end_matches(']')) {
                match index.parse().ok().and_then(|i| self.item(at, i)) {
                    Some(next) => at = next,
                    None if index.is_empty() => {}
                    None => return at,
                }
            }
        }
        at
    }

    /// The deepest node on a serde path below `node`.
    pub fn follow(&self, node: NodeId, path: &serde_path_to_error::Path) -> NodeId {
        let mut at = node;
        for segment in path.iter() {
            let next = match segment {
                serde_path_to_error::Segment::Seq { index } => self.item(at, *index),
                serde_path_to_error::Segment::Map { key } => self.child(at, key),
                _ => None,
            };
            match next {
                Some(next) => at = next,
                None => break,
            }
        }
        at
    }

    fn children(&self, node: NodeId) -> impl Iterator<Item = &(Option<String>, NodeId)> {
        self.nodes
            .get(node.0)
            .map(|n| n.children.iter())
            .into_iter()
            .flatten()
    }

    pub(crate) fn push(&mut self, line: usize) -> NodeId {
        self.nodes.push(LineNode {
            line,
            ..LineNode::default()
        });
        NodeId(self.nodes.len() - 1)
    }

    pub(crate) fn link(&mut self, parent: NodeId, key: Option<String>, child: NodeId) {
        if let Some(node) = self.nodes.get_mut(parent.0) {
            if let Some(key) = &key {
                // Keys are unique (the reader refuses duplicates); the first one stands.
                node.by_key.entry(key.clone()).or_insert(child);
            }
            node.children.push((key, child));
        }
    }
}
