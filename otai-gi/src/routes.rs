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

#[cfg(test)]
mod tests {
    use super::*;

    fn table(yaml_routes: serde_json::Value) -> Result<RouteTable, serde_json::Error> {
        let config: WebserviceConfig = serde_json::from_value(serde_json::json!({
            "name": "ws", "id": 1, "service": "s",
            "transport": {"type": "rest", "routes": yaml_routes},
            "operations": {
                "Get": {"type": "Ticket::TicketGet"},
                "Search": {"type": "Ticket::TicketSearch"},
                "Any": {"type": "Ticket::TicketGet"},
            },
        }))?;
        Ok(RouteTable::new(&config))
    }

    #[test]
    fn routes_match_by_method_whole_path_and_name_order() -> Result<(), serde_json::Error> {
        let routes = table(serde_json::json!({
            "Get": {"route": "/Ticket/:TicketID", "methods": ["GET"]},
            "Search": {"route": "/Ticket", "methods": ["GET", "POST"]},
            "Any": {"route": "/Ticket/:TicketID"},
        }))?;
        let (op, params) = routes
            .find("GET", "/Ticket/4%2C5")
            .ok_or_else(|| serde::de::Error::custom("no"))?;
        assert_eq!(
            op, "Any",
            "tried in name order; an empty method list allows any"
        );
        assert_eq!(params["TicketID"], "4,5");
        assert_eq!(routes.find("POST", "/Ticket").map(|r| r.0), Some("Search"));
        assert_eq!(routes.find("DELETE", "/Ticket").map(|r| r.0), None);
        assert_eq!(
            routes.find("GET", "/Ticket/").map(|r| r.0),
            None,
            "no trailing slash"
        );
        assert_eq!(routes.find("GET", "/Ticket/1/x").map(|r| r.0), None);
        assert_eq!(routes.find("GET", "Ticket").map(|r| r.0), None);
        Ok(())
    }
}
