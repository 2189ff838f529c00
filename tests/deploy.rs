//! Static checks of the compose stack in `deploy/` (there is no Docker engine on the development
//! machines, so what can be checked without one is checked here, in `make test`):
//!
//! - `deploy/compose.yaml` validates against the Compose Specification's JSON schema
//!   (vendored in `deploy/schema/`), builds the image once, gives every lienthong service a
//!   `lienthong health` healthcheck, and names only certificates that
//!   `lienthong pki init --deploy compose` writes, whose DNS names cover every https endpoint
//!   the services call (the real command is run, the real certificates read);
//! - the Grafana dashboard has its six panels, each on a metric named in `docs/operations.md`,
//!   and the provisioning files parse and point where compose mounts them;
//! - the collector configuration's pipelines reference only defined components, traces go to
//!   Jaeger over OTLP and metrics to the exporter Prometheus scrapes;
//! - the Dockerfile and `.dockerignore` keep the rules of issue 11.
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    process::Command,
};

use lienthong_platform::{Identity, pki::DevCa};
use serde_json::Value;

/// The image every lienthong service of the compose file runs.
const IMAGE: &str = "lienthong:dev";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn read(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A YAML file as JSON, with `<<` merge keys applied as Compose applies them.
fn yaml(rel: &str) -> Value {
    let mut value: serde_norway::Value =
        serde_norway::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    value
        .apply_merge()
        .unwrap_or_else(|e| panic!("{rel}: merge keys: {e}"));
    serde_json::to_value(value).unwrap_or_else(|e| panic!("{rel}: not JSON-like: {e}"))
}

fn compose() -> Value {
    yaml("deploy/compose.yaml")
}

fn services(compose: &Value) -> &serde_json::Map<String, Value> {
    compose["services"].as_object().expect("services")
}

/// The services that run a lienthong binary.
fn lienthong_services(compose: &Value) -> Vec<(&String, &Value)> {
    services(compose)
        .iter()
        .filter(|(_, s)| s["image"] == IMAGE)
        .collect()
}

fn env_of<'a>(service: &'a Value, key: &str) -> Option<&'a str> {
    service["environment"].get(key).and_then(Value::as_str)
}

/// `(host, port)` of `https://host:port`.
fn host_port(url: &str) -> (String, u16) {
    let rest = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .trim_end_matches('/');
    let (host, port) = rest
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("{url}: no port"));
    (
        host.to_string(),
        port.parse().unwrap_or_else(|e| panic!("{url}: {e}")),
    )
}

#[test]
fn compose_file_validates_against_the_compose_specification() {
    let schema: Value = serde_json::from_str(&read("deploy/schema/compose-spec.json"))
        .expect("the vendored schema is JSON");
    let validator = jsonschema::draft7::new(&schema).expect("the schema compiles");
    let compose = compose();
    let errors: Vec<String> = validator
        .iter_errors(&compose)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "deploy/compose.yaml:\n{}",
        errors.join("\n")
    );

    // The check itself can fail: a misspelt key is refused.
    let mut broken = compose.clone();
    broken["services"]["h48"]["helthcheck"] = serde_json::json!({"test": ["CMD", "true"]});
    assert!(
        !validator.is_valid(&broken),
        "the schema refuses unknown keys"
    );
}

#[test]
fn the_image_is_built_once_and_every_service_has_a_health_check() {
    let compose = compose();
    let builders: Vec<&String> = services(&compose)
        .iter()
        .filter(|(_, s)| s.get("build").is_some())
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        builders.len(),
        1,
        "one service builds the image: {builders:?}"
    );
    let builder = &services(&compose)[builders[0]];
    assert_eq!(builder["image"], IMAGE, "the builder tags the shared image");
    assert_eq!(builder["build"]["dockerfile"], "deploy/Dockerfile");

    let ours = lienthong_services(&compose);
    let names: BTreeSet<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        BTreeSet::from(["national", "h48", "h41", "tasks", "reporting"])
    );
    for (name, service) in ours {
        if service.get("build").is_none() {
            assert_eq!(
                service["pull_policy"], "never",
                "{name}: the image is on no registry"
            );
        }
        let test: Vec<&str> = service["healthcheck"]["test"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no healthcheck"))
            .iter()
            .map(|a| a.as_str().expect("string"))
            .collect();
        assert_eq!(&test[..2], ["CMD", "lienthong"], "{name}: {test:?}");
        assert_eq!(test.last(), Some(&"health"), "{name}: {test:?}");
        let endpoint = test
            .iter()
            .position(|a| *a == "--endpoint")
            .map(|i| test[i + 1])
            .unwrap_or_else(|| panic!("{name}: the healthcheck names no --endpoint"));
        assert_eq!(host_port(endpoint), (name.clone(), listen_port(service)));
        assert!(
            service["volumes"].as_array().is_some_and(|v| v
                .iter()
                .any(|m| m.as_str().is_some_and(|m| m.ends_with(":/pki:ro")))),
            "{name}: mounts the deployment PKI read-only at /pki"
        );
    }
}

/// The port a lienthong service listens on (its `LIENTHONG_*_LISTEN`).
fn listen_port(service: &Value) -> u16 {
    let env = service["environment"].as_object().expect("environment");
    let listen = env
        .iter()
        .find(|(k, _)| k.starts_with("LIENTHONG_") && k.ends_with("_LISTEN"))
        .and_then(|(_, v)| v.as_str())
        .expect("a LIENTHONG_*_LISTEN");
    host_port(listen).1
}

/// Runs the real `lienthong pki init --deploy compose` and returns the CA and the labels it wrote.
fn deployment_pki(dir: &Path) -> (DevCa, BTreeSet<String>) {
    let out = Command::new(lienthong_e2e::bin("lienthong"))
        .args(["--json", "pki", "init", "--deploy", "compose", "--dir"])
        .arg(dir)
        .output()
        .expect("run lienthong pki init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(report["deploy"], "compose");
    assert_eq!(report["key_mode"], "640");
    let labels = report["issued"]
        .as_array()
        .expect("issued")
        .iter()
        .map(|c| c["label"].as_str().expect("label").to_string())
        .collect();
    (DevCa::open(dir).expect("the PKI opens"), labels)
}

/// The label of `/pki/<label>/<file>`, when the path is one the deployment PKI has.
fn pki_label(path: &str, file: &str, labels: &BTreeSet<String>) -> Option<String> {
    let label = path
        .strip_prefix("/pki/")?
        .strip_suffix(&format!("/{file}"))?;
    labels.contains(label).then(|| label.to_string())
}

fn identity_of(label: &str) -> Identity {
    let (kind, name) = label.split_once('-').expect("kind-name");
    match kind {
        "hub" => Identity::Hub(name.into()),
        "service" => Identity::Service(name.into()),
        "admin" => Identity::Admin(name.into()),
        other => panic!("no server certificate kind {other}"),
    }
}

#[test]
fn certificates_are_those_the_deployment_pki_writes_and_cover_every_endpoint() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (ca, labels) = deployment_pki(&tmp.path().join("pki"));
    let compose = compose();
    // The DNS names each server's certificate carries, by compose service name.
    let mut sans: BTreeMap<String, (Vec<String>, u16)> = BTreeMap::new();
    for (name, service) in lienthong_services(&compose) {
        for (var, file) in [
            ("LIENTHONG_TLS_CERT", "cert.pem"),
            ("LIENTHONG_TLS_KEY", "key.pem"),
            ("LIENTHONG_CLIENT_CERT", "cert.pem"),
            ("LIENTHONG_CLIENT_KEY", "key.pem"),
        ] {
            if let Some(path) = env_of(service, var) {
                assert!(
                    pki_label(path, file, &labels).is_some(),
                    "{name}: {var}={path} is not written by `pki init --deploy compose`"
                );
            }
        }
        let cert = env_of(service, "LIENTHONG_TLS_CERT").expect("LIENTHONG_TLS_CERT");
        let label = pki_label(cert, "cert.pem", &labels).expect("label");
        let names = ca.dns_names(&identity_of(&label)).expect("SANs");
        sans.insert(name.clone(), (names, listen_port(service)));
    }
    let mut checked = 0;
    for (name, service) in lienthong_services(&compose) {
        let env = service["environment"].as_object().expect("environment");
        for (var, value) in env {
            let value = value.as_str().unwrap_or_default();
            // Single URLs and route lists such as H48=https://h48:7443,H41=https://h41:7443.
            for url in value
                .split([',', '='])
                .filter(|v| v.starts_with("https://"))
            {
                let (host, port) = host_port(url);
                let (names, listen) = sans.get(&host).unwrap_or_else(|| {
                    panic!("{name}: {var} calls {host}, which is not a lienthong service")
                });
                assert!(
                    names.contains(&host),
                    "{name}: {var} calls {url} but {host}'s certificate names only {names:?}"
                );
                assert_eq!(
                    port, *listen,
                    "{name}: {var}={url}: {host} listens on {listen}"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 6,
        "the services call each other: {checked} endpoints checked"
    );
}

/// The identifiers of an expression that name metrics: not functions, not label names (in
/// `by (...)`, `{...}`), not range durations, not keywords.
fn metric_names(expr: &str) -> Vec<String> {
    let mut stripped = String::new();
    let mut depth = 0;
    for c in expr.chars() {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            _ if depth == 0 => stripped.push(c),
            _ => {}
        }
    }
    // Remove `by (...)` and `without (...)` groups.
    for keyword in ["by (", "without ("] {
        while let Some(start) = stripped.find(keyword) {
            let end = stripped[start..].find(')').expect("closing parenthesis") + start;
            stripped.replace_range(start..=end, " ");
        }
    }
    let mut names = Vec::new();
    let chars: Vec<char> = stripped.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphabetic() || chars[i] == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            let keyword = ["and", "or", "unless", "bool", "offset", "on", "ignoring"];
            if next != Some(&'(') && !keyword.contains(&word.as_str()) {
                names.push(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

/// The section of docs/operations.md on the compose stack.
fn compose_docs() -> String {
    let text = read("docs/operations.md");
    let start = text
        .find("## The compose stack")
        .expect("docs/operations.md has a section `## The compose stack`");
    let rest = &text[start + 3..];
    let end = rest.find("\n## ").map_or(rest.len(), |e| e + 1);
    rest[..end].to_string()
}

#[test]
fn dashboard_has_its_six_panels_on_documented_metrics() {
    let dashboard: Value =
        serde_json::from_str(&read("deploy/grafana/dashboards/lienthong.json")).expect("JSON");
    let panels = dashboard["panels"].as_array().expect("panels");
    let titles: Vec<&str> = panels
        .iter()
        .map(|p| p["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        [
            "Documents per minute",
            "Delivery latency",
            "Error rate by method",
            "Outbox backlog per peer",
            "Tasks by bucket",
            "Report compliance"
        ]
    );
    let docs = compose_docs();
    let mut used = BTreeSet::new();
    for panel in panels {
        let title = &panel["title"];
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no query");
        for target in targets {
            let expr = target["expr"].as_str().expect("expr");
            let names = metric_names(expr);
            assert!(!names.is_empty(), "{title}: {expr} names no metric");
            for name in names {
                assert!(
                    docs.contains(&format!("`{name}`")),
                    "{title}: {name} is not listed in docs/operations.md (The compose stack)"
                );
                used.insert(name);
            }
            assert_eq!(target["datasource"]["uid"], "prometheus", "{title}");
        }
    }
    for metric in [
        "lienthong_exchange_documents_accepted_total",
        "lienthong_exchange_delivery_duration_seconds_bucket",
        "rpc_server_call_duration_seconds_count",
        "lienthong_exchange_outbox_depth",
        "lienthong_tasks_tasks",
        "lienthong_reporting_reports",
    ] {
        assert!(used.contains(metric), "no panel shows {metric}: {used:?}");
    }
}

#[test]
fn metric_names_skip_functions_and_labels() {
    assert_eq!(
        metric_names(
            "histogram_quantile(0.5, sum by (le, hub) (rate(a_b_bucket{x!=\"0\"}[5m]))) * 60"
        ),
        ["a_b_bucket"]
    );
}

#[test]
fn grafana_provisioning_parses_and_points_at_the_mounts() {
    let sources = yaml("deploy/grafana/provisioning/datasources/datasources.yaml");
    let kinds: BTreeMap<&str, &str> = sources["datasources"]
        .as_array()
        .expect("datasources")
        .iter()
        .map(|d| {
            (
                d["uid"].as_str().expect("uid"),
                d["type"].as_str().expect("type"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        BTreeMap::from([("jaeger", "jaeger"), ("prometheus", "prometheus")])
    );
    let providers = yaml("deploy/grafana/provisioning/dashboards/lienthong.yaml");
    let path = providers["providers"][0]["options"]["path"]
        .as_str()
        .expect("provider path");
    let compose = compose();
    let mounts: Vec<&str> = compose["services"]["grafana"]["volumes"]
        .as_array()
        .expect("grafana volumes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        mounts.contains(&format!("./grafana/dashboards:{path}:ro").as_str()),
        "{mounts:?}"
    );
    assert!(mounts.contains(&"./grafana/provisioning:/etc/grafana/provisioning:ro"));
}

fn component_names(config: &Value, kind: &str) -> BTreeSet<String> {
    config[kind]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn collector_pipelines_resolve_traces_to_jaeger_and_metrics_to_prometheus() {
    let config = yaml("deploy/otel-collector.yaml");
    let pipelines = config["service"]["pipelines"]
        .as_object()
        .expect("pipelines");
    for (pipeline, spec) in pipelines {
        for kind in ["receivers", "processors", "exporters"] {
            let defined = component_names(&config, kind);
            for used in spec[kind].as_array().into_iter().flatten() {
                let used = used.as_str().expect("name");
                assert!(
                    defined.contains(used),
                    "{pipeline}: {kind} {used} is not defined"
                );
            }
        }
    }
    let exporters = |p: &str| -> Vec<String> {
        pipelines[p]["exporters"]
            .as_array()
            .expect("exporters")
            .iter()
            .map(|e| e.as_str().expect("name").to_string())
            .collect()
    };
    let jaeger = exporters("traces")
        .into_iter()
        .find(|e| e.split('/').next() == Some("otlp"))
        .expect("traces go out over OTLP");
    let endpoint = config["exporters"][&jaeger]["endpoint"]
        .as_str()
        .expect("endpoint");
    assert_eq!(host_port(endpoint).0, "jaeger");
    assert!(exporters("metrics").contains(&"prometheus".to_string()));

    // Prometheus scrapes the port the collector's exporter listens on; the services send to
    // the port its receiver listens on.
    let scrape_port = host_port(
        config["exporters"]["prometheus"]["endpoint"]
            .as_str()
            .expect("endpoint"),
    )
    .1;
    let prometheus = yaml("deploy/prometheus.yml");
    let target = prometheus["scrape_configs"][0]["static_configs"][0]["targets"][0]
        .as_str()
        .expect("target");
    assert_eq!(
        host_port(target),
        ("otel-collector".to_string(), scrape_port)
    );
    let receiver = config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
        .as_str()
        .expect("grpc receiver");
    let compose = compose();
    for (name, service) in lienthong_services(&compose) {
        let otlp = env_of(service, "OTEL_EXPORTER_OTLP_ENDPOINT").expect("OTLP endpoint");
        assert_eq!(
            host_port(otlp),
            ("otel-collector".to_string(), host_port(receiver).1),
            "{name}"
        );
    }
    for needed in ["otel-collector", "jaeger", "prometheus", "grafana"] {
        assert!(
            services(&compose).contains_key(needed),
            "no {needed} service"
        );
    }
}

#[test]
fn the_image_is_locked_cached_and_unprivileged_and_its_context_has_no_secrets() {
    let dockerfile = read("deploy/Dockerfile");
    assert!(
        dockerfile.starts_with("# syntax=docker/dockerfile:1"),
        "BuildKit syntax line"
    );
    assert!(dockerfile.contains("cargo build --release --locked"));
    assert!(dockerfile.contains("--mount=type=cache,target=/usr/local/cargo/registry"));
    assert!(dockerfile.contains("USER 10001:10001"));
    let text = read(".dockerignore");
    let ignored: BTreeSet<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_end_matches('/'))
        .collect();
    for needed in [
        ".git",
        "target",
        ".demo",
        "**/*.pem",
        "**/*-key*",
        "**/__pycache__",
    ] {
        assert!(ignored.contains(needed), ".dockerignore lacks {needed}");
    }
}
