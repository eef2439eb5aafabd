//! REST route matching as OTOBO's `HTTP::REST` transport does it: operations tried in name
//! order, the method checked (an empty list allows any), `:Name` segments captured
//! (URL-unescaped), the whole path matched, no trailing-slash tolerance.

use serde_json::{Map, Value};

use crate::config::{RouteConfig, WebserviceConfig, stock_route};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone)]
struct Compiled {
    operation: String,
    methods: Vec<String>,
    segments: Vec<Segment>,
}

/// The routes of one REST web service.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Compiled>,
}

fn segments(route: &str) -> Vec<Segment> {
    route
        .split('/')
        .skip(1)
        .map(|s| match s.strip_prefix(':') {
            Some(name) => Segment::Param(name.to_owned()),
            None => Segment::Literal(s.to_owned()),
        })
        .collect()
}

impl RouteTable {
    /// The routes of `webservice`: its `transport.routes`, or the stock routes of its operations.
    pub fn new(webservice: &WebserviceConfig) -> Self {
        let mut routes: Vec<Compiled> = webservice
            .operations
            .keys()
            .filter_map(|name| {
                let route: Option<RouteConfig> = match &webservice.transport.routes {
                    Some(routes) => routes.get(name).cloned(),
                    None => stock_route(name),
                };
                route.map(|r| Compiled {
                    operation: name.clone(),
                    methods: r.methods,
                    segments: segments(&r.route),
                })
            })
            .collect();
        routes.sort_by(|a, b| a.operation.cmp(&b.operation));
        Self { routes }
    }

    /// The operation `method` and `path` (after the web service, without the query) reach, and
    /// the captured parameters.
    pub fn find(&self, method: &str, path: &str) -> Option<(&str, Map<String, Value>)> {
        let parts: Vec<&str> = if path.is_empty() {
            vec![""]
        } else {
            path.strip_prefix('/')?.split('/').collect()
        };
        'routes: for route in &self.routes {
            if !route.methods.is_empty() && !route.methods.iter().any(|m| m == method) {
                continue;
            }
            if route.segments.len() != parts.len() {
                continue;
            }
            let mut params = Map::new();
            for (segment, part) in route.segments.iter().zip(&parts) {
                match segment {
                    Segment::Literal(text) if text == part => {}
                    Segment::Param(name) if !part.is_empty() => {
                        let value = percent_encoding::percent_decode_str(part)
                            .decode_utf8_lossy()
                            .into_owned();
                        params.insert(name.clone(), Value::String(value));
                    }
                    _ => continue 'routes,
                }
            }
            return Some((&route.operation, params));
        }
        None
    }
}
