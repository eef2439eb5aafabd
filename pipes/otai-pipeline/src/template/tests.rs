//! Tests of templates: compiling, rendering, secrets, limits.

use super::*;
use serde_json::json;

fn render(params: Value, context: Value) -> Result<Value> {
    let mut t = Templates::new(None, Secrets::default());
    let mut errors = Vec::new();
    let param = t.compile("p", &params, &mut errors);
    if let Some(e) = errors.pop() {
        return Err(e);
    }
    t.render(&param, &scope(&jinja(&context), &Results::default(), None))
}

#[test]
fn single_expressions_yield_native_values_and_mixed_text_strings() -> Result<()> {
    let out = render(
        json!({"list": "{{ context.items }}", "n": "{{ context.n + 1 }}", "text": "n={{ context.n }}", "plain": 5}),
        json!({"items": [1, {"a": true}], "n": 41}),
    )?;
    assert_eq!(
        out,
        json!({"list": [1, {"a": true}], "n": 42, "text": "n=41", "plain": 5})
    );
    Ok(())
}

#[test]
fn expressions_are_compiled_once_and_any_text_in_them_still_works() -> Result<()> {
    let out = render(
        json!({"odd": "{{ '50%} done' }}", "list": "{{ [context.n, context.n * 2] }}"}),
        json!({"n": 2}),
    )?;
    assert_eq!(out, json!({"odd": "50%} done", "list": [2, 4]}));
    Ok(())
}

#[test]
fn plain_paths_and_literals_give_what_the_engine_gives() -> Result<()> {
    let out = render(
        json!({"a": "{{ context.t.queue.name }}", "b": "{{ true }}", "c": "{{ none }}",
               "d": "{{ context.list }}", "e": "{{ context.t }}"}),
        json!({"t": {"queue": {"name": "Raw"}}, "list": [1, 2]}),
    )?;
    assert_eq!(
        out,
        json!({"a": "Raw", "b": true, "c": null, "d": [1, 2], "e": {"queue": {"name": "Raw"}}})
    );
    assert!(simple_path("item.subject").is_some());
    for not_plain in [
        "none",
        "item.0",
        "item[0]",
        "a..b",
        "1a",
        "item.subject | upper",
    ] {
        assert!(simple_path(not_plain).is_none(), "{not_plain}");
    }
    let err = render(json!({"x": "{{ context.a.b }}"}), json!({"a": {}}))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("template error in p.x: undefined value (in `{{ context.a.b }}`)")
    );
    Ok(())
}

#[test]
fn undefined_names_are_errors_naming_the_param_path() {
    let err = render(json!({"a": {"b": "{{ context.nope }}"}}), json!({}))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("template error in p.a.b: undefined value (in `{{ context.nope }}`)")
    );
}

#[test]
fn an_unknown_ticket_field_names_the_expression_and_the_closest_fields() {
    let mut t = Templates::new(None, Secrets::default());
    let mut errors = Vec::new();
    let native = t.compile("p.n", &json!("{{ item.bdy }}"), &mut errors);
    let text = t.compile("p.t", &json!("body: {{ item.bdy | upper }}"), &mut errors);
    let absent = t.compile("p.a", &json!("{{ item.body }}"), &mut errors);
    assert!(errors.is_empty());
    let ticket = crate::ticket_value(otai_core::UnifiedTicket::new().id("7"));
    let scope = scope(&jinja(&json!({})), &Results::default(), Some((&ticket, 0)));
    let err = |p: &Param| t.render(p, &scope).err().map(|e| e.to_string());
    assert_eq!(
        err(&native).as_deref(),
        Some(
            "template error in p.n: undefined value: tickets have no field `bdy`; did you mean `body`? (in `{{ item.bdy }}`)"
        )
    );
    assert_eq!(
        err(&text).as_deref(),
        Some(
            "template error in p.t: undefined value: tickets have no field `bdy`; did you mean `body`? (in `body: {{ item.bdy | upper }}`)"
        )
    );
    assert_eq!(
        t.render(&absent, &scope).ok(),
        Some(Value::Null),
        "a known field the ticket lacks is none"
    );
}

#[test]
fn syntax_errors_surface_at_compile_time() {
    let mut t = Templates::new(None, Secrets::default());
    let mut errors = Vec::new();
    t.compile("pipe.x", &json!("{{ context. }}"), &mut errors);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .to_string()
            .starts_with("template error in pipe.x: syntax error"),
        "{}",
        errors[0]
    );
}

#[test]
fn env_is_limited_to_allowed_names() {
    let t = Templates::new(Some(vec!["OTAI_ALLOWED".into()]), Secrets::default());
    let mut t = t;
    let mut errors = Vec::new();
    let p = t.compile("p", &json!("{{ env('PATH') }}"), &mut errors);
    let err = t
        .render(&p, &scope(&jinja(&json!({})), &Results::default(), None))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("env('PATH') is not allowed"), "{err}");
}

/// Compiles `params` with the tricky secrets; renders them with `context`.
fn render_secrets(params: Value, context: Value) -> (Result<Value>, Vec<Error>) {
    let mut t = Templates::new(None, crate::secrets::tricky());
    let mut errors = Vec::new();
    let param = t.compile("p", &params, &mut errors);
    let scope = scope(&jinja(&context), &Results::default(), None);
    let rendered = t.render(&param, &scope);
    let evaluated = t
        .eval(&param, &scope)
        .and_then(|v| serde_json::to_value(&v).map_err(|e| Error::config("eval", e.to_string())));
    if let (Ok(a), Ok(b)) = (&rendered, &evaluated) {
        assert_eq!(a, b, "render and eval agree");
    }
    (rendered, errors)
}

#[test]
fn secrets_reach_params_byte_for_byte_and_are_never_template_source() -> Result<()> {
    let mut params = serde_json::Map::new();
    let mut expected = serde_json::Map::new();
    for (name, value) in crate::secrets::TRICKY {
        params.insert(name.into(), json!(format!("${{{{ secrets.{name} }}}}")));
        expected.insert(name.into(), json!(value));
    }
    params.insert(
        "joined".into(),
        json!("<${{ secrets.QUOTES }}|${{secrets.LINES}}>"),
    );
    expected.insert("joined".into(), json!("<a\"b'c|line1\nline2>"));
    params.insert(
        "mixed".into(),
        json!("{{ context.who }}: ${{ secrets.TEMPLATE }}{% if true %} ${{ secrets.RAW }}{% endif %} ${{ secrets.UNICODE }}"),
    );
    expected.insert("mixed".into(), json!("bob: {{ 7*6 }} {% raw %} ümlaut ✓"));
    let (rendered, errors) = render_secrets(Value::Object(params), json!({"who": "bob"}));
    assert_eq!(errors.len(), 0, "{errors:?}");
    assert_eq!(rendered?, Value::Object(expected));
    Ok(())
}

#[test]
fn a_secret_marker_inside_a_template_tag_is_an_error() {
    for (text, tag) in [
        ("{{ '${{ secrets.QUOTES }}' }}", "{{ … }}"),
        (
            "{{ x }} {% if '${{ secrets.QUOTES }}' %}x{% endif %}",
            "{% … %}",
        ),
        ("{# ${{ secrets.QUOTES }} #}", "{# … #}"),
    ] {
        let (_, errors) = render_secrets(json!({"a": text}), json!({}));
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [format!(
                "config error at p.a: a secret marker cannot be inside `{tag}`: write `${{{{ secrets.NAME }}}}` outside it"
            )],
            "{text}"
        );
    }
    let (rendered, errors) = render_secrets(json!("{{ 1 }}${{ secrets.RAW }}{{ 2 }}"), json!({}));
    assert!(errors.is_empty());
    assert_eq!(rendered.ok(), Some(json!("1{% raw %}2")));
}

#[test]
fn unknown_secrets_and_bad_markers_are_errors_naming_the_param() {
    let (_, errors) = render_secrets(
        json!({"a": {"b": "x ${{ secrets.NOPE }}"}, "c": ["${{ pipes.x }}"]}),
        json!({}),
    );
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "config error at p.a.b: secret `NOPE` is not in the secrets file",
            "config error at p.c[0]: `${{ pipes.x }}`: only `${{ secrets.NAME }}` is supported (NAME: letters, digits, `_`)",
        ]
    );
}

#[test]
fn params_are_never_escaped_whatever_their_name_ends_with() -> Result<()> {
    let out = render(
        json!({"html": "{{ context.x }}", "json": "{{ context.x }}!", "yml": "{{ context.x }}"}),
        json!({"x": "<a href=\"x\">'"}),
    )?;
    let x = "<a href=\"x\">'";
    assert_eq!(out, json!({"html": x, "json": format!("{x}!"), "yml": x}));
    Ok(())
}

#[test]
fn runaway_loops_run_out_of_fuel() {
    let err = render(
        json!("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"),
        json!({}),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.starts_with("template error in p:"), "{err}");
}

/// The error of rendering `template` as a param, or what it rendered.
fn render_error(template: &str) -> String {
    match render(json!({"x": template}), json!({})) {
        Ok(value) => format!("rendered {} bytes", value.to_string().len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_way_to_make_a_huge_value_fails_fast_with_a_template_error() {
    let too_large = "template error in p.x: the value is too large: a template may make at most 64 MiB of data (32 bytes a list item or map entry, plus text)";
    let filter_too_large = "template error in p.x: invalid operation: the value is too large: a template may make at most 64 MiB of data (32 bytes a list item or map entry, plus text)";
    let out_of_fuel = "template error in p.x: the template did too much work (a runaway loop?): a render may take at most 500000 steps";
    let cases = [
        ("{{ [0] * 100000000 }}", too_large),
        ("{{ [[0] * 10000] * 10000 }}", too_large),
        ("{{ [[[0] * 1000] * 1000] * 1000 }}", too_large),
        ("{{ {'a': [0] * 100000000} }}", too_large),
        ("{{ ['x' * 100000] * 1000 }}", too_large),
        ("{{ 'x' * 10**9 }}", out_of_fuel),
        ("{{ ([0] * 100000000)|list|length }}", out_of_fuel),
        ("{{ ([0] * 100000000)|tojson|length }}", filter_too_large),
        ("{{ ([0] * 100000000)|string|length }}", filter_too_large),
        ("{{ ([0] * 100000000)|pprint|length }}", filter_too_large),
        (
            "{{ ('%s'|format([0] * 100000000))|length }}",
            filter_too_large,
        ),
        (
            "{{ range(10**9)|list }}",
            "template error in p.x: invalid operation: range has too many elements",
        ),
    ];
    for (template, error) in cases {
        let shown = format!("{error} (in `{template}`)");
        assert_eq!(render_error(template), shown, "{template}");
    }
}

#[test]
fn ordinary_values_and_filters_pass_the_bounds() -> Result<()> {
    let out = render(
        json!({"list": "{{ ([0] * 100000)|length }}", "big": "{{ [7] * 100000 }}",
               "json": "{{ ([1, 2] * 2)|tojson }}", "text": "{{ [1]|string }}",
               "format": "{{ '%s-%d'|format('a', 3) }}"}),
        json!({}),
    )?;
    assert_eq!(out["big"].as_array().map(Vec::len), Some(100_000));
    assert_eq!(out["big"][99_999], 7);
    assert_eq!(
        (&out["list"], &out["json"], &out["text"], &out["format"]),
        (
            &json!(100_000),
            &json!("[1, 2, 1, 2]"),
            &json!("[1]"),
            &json!("a-3")
        )
    );
    Ok(())
}

#[test]
fn fail_fails_the_render_only_when_it_is_called() -> Result<()> {
    let expr = "{{ fail() if context.n == 0 else 'found' }}";
    assert_eq!(render(json!(expr), json!({"n": 1}))?, json!("found"));
    let failed = render(json!(expr), json!({"n": 0}))
        .err()
        .map(|e| e.to_string());
    assert!(
        failed
            .as_deref()
            .is_some_and(|e| e.contains("fail() was called")),
        "{failed:?}"
    );
    let said = render(json!("x {{ fail('no tickets') }}"), json!({}))
        .err()
        .map(|e| e.to_string());
    assert!(
        said.as_deref().is_some_and(|e| e.contains("no tickets")),
        "{said:?}"
    );
    Ok(())
}
