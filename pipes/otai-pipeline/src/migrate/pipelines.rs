//! Open Ticket AI's orchestrator, runners, triggers and pipes → otai pipelines.

use serde_json::Value;

use super::yaml_out::Node;
use super::{Converter, Severity, class_name, join};
use otai_yaml::NodeId;

/// Open Ticket AI pipes and the otai pipe each is.
const PIPES: [(&str, &str); 7] = [
    ("FetchTicketsPipe", "fetch_tickets"),
    ("FindFirstTicketPipe", "find_first_ticket"),
    ("GetTicketPipe", "get_ticket"),
    ("CreateTicketPipe", "create_ticket"),
    ("UpdateTicketPipe", "update_ticket"),
    ("AddNotePipe", "add_note"),
    ("ExpressionPipe", "expression"),
];

/// The label and keyword of the one rule a converted ClassificationPipe gets, for a person to
/// replace.
const PLACEHOLDER: &str = "REPLACE-ME";

/// otai's shortest interval, in seconds.
const MIN_INTERVAL: f64 = 1.0;

impl Converter<'_> {
    /// The orchestrator's runners as otai pipelines, keyed by id.
    pub(super) fn orchestrator(
        &mut self,
        node: NodeId,
        value: &Value,
        services: &[String],
    ) -> Node {
        let use_name = value.get("use").and_then(Value::as_str).unwrap_or_default();
        if class_name(use_name) != "SimpleSequentialOrchestrator" {
            self.note(
                node,
                "orchestrator.use",
                Severity::Essential,
                format!("unknown orchestrator `{use_name}`: its runners are converted as SimpleSequentialOrchestrator's"),
            );
        }
        // 1.5 keeps `steps` under `params`; later versions beside them.
        let mut runners = None;
        for (key, child, v) in self.entries(node, value) {
            let path = join("orchestrator", &key);
            match key.as_str() {
                "use" | "id" => {}
                "injects" if v.as_object().is_some_and(serde_json::Map::is_empty) => {}
                "steps" => runners = Some((child, v, path)),
                "params" => {
                    for (key, grandchild, v) in self.entries(child, v) {
                        let path = join(&path, &key);
                        match key.as_str() {
                            "steps" => runners = Some((grandchild, v, path)),
                            "orchestrator_sleep" => self.note(
                                grandchild,
                                &path,
                                Severity::LeftOut,
                                "otai waits for each pipeline's own trigger",
                            ),
                            _ => self.note(
                                grandchild,
                                &path,
                                Severity::Essential,
                                "unknown orchestrator param: not converted",
                            ),
                        }
                    }
                }
                _ => self.note(child, &path, Severity::Essential, "not converted"),
            }
        }
        let mut pipelines = Vec::new();
        let Some((steps_node, steps, path)) = runners else {
            self.note(
                node,
                "orchestrator",
                Severity::Essential,
                "no `steps`: no pipeline to convert",
            );
            return Node::Map(pipelines);
        };
        for (i, (child, runner)) in self.items(steps_node, steps).into_iter().enumerate() {
            let path = format!("{path}[{i}]");
            if let Some((id, pipeline)) = self.runner(child, runner, &path, i, services) {
                if pipelines.iter().any(|(other, _)| *other == id) {
                    self.note(
                        child,
                        &path,
                        Severity::Essential,
                        format!("a second pipeline `{id}`: not converted"),
                    );
                    continue;
                }
                pipelines.push((id, pipeline));
            }
        }
        Node::Map(pipelines)
    }

    /// A runner as a pipeline: its id, trigger and pipes.
    fn runner(
        &mut self,
        node: NodeId,
        value: &Value,
        path: &str,
        index: usize,
        services: &[String],
    ) -> Option<(String, Node)> {
        let use_name = value.get("use").and_then(Value::as_str).unwrap_or_default();
        if class_name(use_name) != "SimpleSequentialRunner" {
            self.note(
                node,
                path,
                Severity::Essential,
                format!("unknown runner `{use_name}`: not converted"),
            );
            return None;
        }
        let params = self.child(node, value, "params");
        let (params_node, params) = params.unwrap_or((node, &Value::Null));
        let params_path = join(path, "params");
        let run = self.child(params_node, params, "run");
        let id = value
            .get("id")
            .or_else(|| run.and_then(|(_, r)| r.get("id")))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("pipeline-{}", index + 1));
        self.note(
            node,
            path,
            Severity::Converted,
            format!("the runner is the pipeline `{id}`"),
        );
        for (key, child, _) in self.entries(params_node, params) {
            if !matches!(key.as_str(), "on" | "run") {
                self.note(
                    child,
                    &join(&params_path, &key),
                    Severity::Essential,
                    "unknown runner param: not converted",
                );
            }
        }
        let mut pipeline = Vec::new();
        match self.child(params_node, params, "on") {
            Some((child, on)) => {
                if let Some(trigger) = self.trigger(child, on, &join(&params_path, "on")) {
                    pipeline.push(("trigger".to_owned(), trigger));
                }
            }
            None => self.note(
                node,
                path,
                Severity::Converted,
                "no `on`: the pipeline runs once per `otai run`",
            ),
        }
        let mut pipes = Vec::new();
        match run {
            Some((child, run)) => {
                self.pipe(child, run, &join(&params_path, "run"), services, &mut pipes)
            }
            None => self.note(
                node,
                path,
                Severity::Essential,
                "no `run`: the pipeline has no pipes",
            ),
        }
        pipeline.push(("pipes".to_owned(), Node::List(pipes)));
        Some((id, Node::Map(pipeline)))
    }

    /// A trigger: IntervalTrigger's ISO 8601 `interval` as `every`, a cron trigger's expression
    /// as `cron`.
    fn trigger(&mut self, node: NodeId, value: &Value, path: &str) -> Option<Node> {
        let use_name = value.get("use").and_then(Value::as_str).unwrap_or_default();
        let params = value.get("params").unwrap_or(&Value::Null);
        if class_name(use_name) == "IntervalTrigger" {
            let interval = params.get("interval");
            let Some(seconds) = interval.and_then(seconds) else {
                self.note(
                    node,
                    path,
                    Severity::Essential,
                    "IntervalTrigger without an `interval` otai can read (ISO 8601 like PT5M, or seconds): no trigger",
                );
                return None;
            };
            let written = interval.map(Value::to_string).unwrap_or_default();
            let every = if seconds < MIN_INTERVAL {
                self.note(
                    node,
                    path,
                    Severity::Converted,
                    format!("interval {written} is `every: 1s`, otai's shortest interval"),
                );
                "1s".to_owned()
            } else {
                let every = every(seconds);
                self.note(
                    node,
                    path,
                    Severity::Converted,
                    format!("interval {written} is `every: {every}`"),
                );
                every
            };
            return Some(Node::map([("every", Node::text(every))]));
        }
        if let Some(cron) = params.get("cron").and_then(Value::as_str) {
            self.note(
                node,
                path,
                Severity::Converted,
                format!("`{use_name}` is `cron: {cron}`"),
            );
            return Some(Node::map([("cron", Node::text(cron))]));
        }
        self.note(
            node,
            path,
            Severity::Essential,
            format!("unknown trigger `{use_name}`: no trigger (otai has `every` and `cron`)"),
        );
        None
    }

    /// Appends the otai pipes of pipe definition `value`: a CompositePipe's steps in order, else
    /// the pipe itself.
    fn pipe(
        &mut self,
        node: NodeId,
        value: &Value,
        path: &str,
        services: &[String],
        out: &mut Vec<Node>,
    ) {
        let use_name = value.get("use").and_then(Value::as_str).unwrap_or_default();
        let class = class_name(use_name);
        if class == "CompositePipe" {
            let steps = self
                .child(node, value, "params")
                .and_then(|(n, p)| self.child(n, p, "steps").map(|s| (s, "params.steps")))
                .or_else(|| self.child(node, value, "steps").map(|s| (s, "steps")));
            let Some(((steps_node, steps), key)) = steps else {
                self.note(
                    node,
                    path,
                    Severity::Essential,
                    "CompositePipe without `steps`: no pipes",
                );
                return;
            };
            self.note(
                node,
                path,
                Severity::Converted,
                "the CompositePipe's steps are the pipeline's pipes, in order; a failing pipe stops the run as it stopped the CompositePipe",
            );
            for (i, (child, step)) in self.items(steps_node, steps).into_iter().enumerate() {
                let step_path = format!("{}[{i}]", join(path, key));
                self.pipe(child, step, &step_path, services, out);
            }
            return;
        }
        let id = value
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let path = if id.is_empty() {
            path.to_owned()
        } else {
            format!("{path}({id})")
        };
        if id.is_empty() {
            self.note(
                node,
                &path,
                Severity::Essential,
                "a pipe without `id`: not converted",
            );
            return;
        }
        let mut pipe = vec![("id".to_owned(), Node::text(&id))];
        let params = self.child(node, value, "params");
        let params_path = join(&path, "params");
        if class == "ClassificationPipe" {
            pipe.extend(self.classification(node, params, &params_path));
            out.push(Node::Map(pipe));
            return;
        }
        let Some(name) = PIPES
            .iter()
            .find(|(old, _)| *old == class)
            .map(|(_, new)| *new)
        else {
            self.note(
                node,
                &path,
                Severity::Essential,
                format!("otai has no pipe `{use_name}`: not converted"),
            );
            return;
        };
        pipe.push(("use".to_owned(), Node::text(name)));
        for (key, child, v) in self.entries(node, value) {
            match key.as_str() {
                "id" | "use" | "params" => {}
                "injects" => {
                    if let Some(service) = self.injects(child, v, &join(&path, "injects"), services)
                    {
                        pipe.push(("service".to_owned(), Node::text(service)));
                    }
                }
                other => self.note(
                    child,
                    &join(&path, other),
                    Severity::Essential,
                    "not converted",
                ),
            }
        }
        if let Some((child, params)) = params {
            let mut converted = self.tree(child, params, &params_path);
            if name == "expression" {
                converted = self.expression_params(child, converted, &params_path);
            }
            pipe.push(("params".to_owned(), converted));
        }
        out.push(Node::Map(pipe));
    }

    /// ExpressionPipe's `expression` is expression's `value`.
    fn expression_params(&mut self, node: NodeId, params: Node, path: &str) -> Node {
        let Node::Map(entries) = params else {
            return params;
        };
        Node::Map(
            entries
                .into_iter()
                .map(|(key, v)| {
                    if key == "expression" {
                        self.note(
                            node,
                            &join(path, "expression"),
                            Severity::Converted,
                            "ExpressionPipe's `expression` is expression's `value`",
                        );
                        ("value".to_owned(), v)
                    } else {
                        (key, v)
                    }
                })
                .collect(),
        )
    }

    /// The ticket system a pipe's `injects` names, as its `service`.
    fn injects(
        &mut self,
        node: NodeId,
        value: &Value,
        path: &str,
        services: &[String],
    ) -> Option<String> {
        let mut service = None;
        for (key, child, v) in self.entries(node, value) {
            let at = join(path, &key);
            match (key.as_str(), v.as_str()) {
                ("ticket_system", Some(id)) if services.iter().any(|s| s == id) => {
                    service = Some(id.to_owned());
                }
                ("ticket_system", _) => self.note(
                    child,
                    &at,
                    Severity::Essential,
                    format!("no converted ticket system {v}: no `service`"),
                ),
                _ => self.note(child, &at, Severity::Essential, "not converted"),
            }
        }
        service
    }

    /// ClassificationPipe (a Hugging Face model) as a `classify` pipe on the same text, whose
    /// rules a person must write: otai runs no model.
    fn classification(
        &mut self,
        node: NodeId,
        params: Option<(NodeId, &Value)>,
        path: &str,
    ) -> Vec<(String, Node)> {
        let (params_node, params) = params.unwrap_or((node, &Value::Null));
        let model = params
            .get("model_name")
            .and_then(Value::as_str)
            .unwrap_or("(none)");
        self.note(
            node,
            path,
            Severity::Essential,
            format!(
                "otai runs no Hugging Face model (`{model}`): this is a `classify` pipe on the same text whose one rule is a placeholder (label and keyword `{PLACEHOLDER}`), so it answers `other` with confidence 0 until you write keyword/regex rules (see the configuration guide, `classify`)"
            ),
        );
        let mut out = vec![("use".to_owned(), Node::text("classify"))];
        let mut converted = Vec::new();
        for (key, child, v) in self.entries(params_node, params) {
            let at = join(path, &key);
            match key.as_str() {
                "text" => converted.push(("text".to_owned(), self.tree(child, v, &at))),
                "model_name" => {}
                _ => self.note(child, &at, Severity::Essential, "not converted"),
            }
        }
        let placeholder = Node::map([
            ("label", Node::text(PLACEHOLDER)),
            ("keywords", Node::List(vec![Node::text(PLACEHOLDER)])),
        ]);
        converted.push(("rules".to_owned(), Node::List(vec![placeholder])));
        out.push(("params".to_owned(), Node::Map(converted)));
        out
    }
}

/// Seconds of an ISO 8601 duration (`PT5M`, `P1DT2H`, `PT0.5S`) or a number of seconds.
fn seconds(value: &Value) -> Option<f64> {
    if let Some(n) = value.as_f64() {
        return (n.is_finite() && n > 0.0).then_some(n);
    }
    let text = value.as_str()?.trim().to_ascii_uppercase();
    let rest = text.strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total = 0.0;
    for (part, units) in [
        (date, &[('W', 604_800.0), ('D', 86_400.0)][..]),
        (time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)][..]),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let factor = units.iter().find(|(u, _)| *u == c)?.1;
            let n: f64 = number.parse().ok()?;
            total += n * factor;
            number.clear();
        }
        if !number.is_empty() {
            return None;
        }
    }
    (total.is_finite() && total > 0.0).then_some(total)
}

/// `seconds` in otai's interval words: `1d`, `2h`, `5m`, `30s` or `1.5s`.
fn every(seconds: f64) -> String {
    let whole = seconds.fract() == 0.0;
    for (unit, size) in [("d", 86_400.0), ("h", 3600.0), ("m", 60.0)] {
        if whole && seconds % size == 0.0 {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn iso_durations_are_seconds_and_read_as_otai_intervals() {
        assert_eq!(seconds(&json!("PT5M")), Some(300.0));
        assert_eq!(seconds(&json!("P1DT2H")), Some(93_600.0));
        assert_eq!(seconds(&json!("PT0.5S")), Some(0.5));
        assert_eq!(seconds(&json!(30)), Some(30.0));
        assert_eq!(seconds(&json!("PT")), None);
        assert_eq!(seconds(&json!("5 minutes")), None);
        assert_eq!(seconds(&json!("PT5X")), None);
        assert_eq!(seconds(&json!("PT5")), None);
        assert_eq!(every(300.0), "5m");
        assert_eq!(every(93_600.0), "26h");
        assert_eq!(every(86_400.0), "1d");
        assert_eq!(every(90.0), "90s");
        assert_eq!(every(1.5), "1.5s");
    }
}
