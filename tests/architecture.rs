//! The shape every service keeps, checked on the sources (docs/architecture.md explains it):
//!
//! - the same skeleton in every service: `service.rs`, `grpc`, `app`, `domain`, `store`,
//!   `error.rs`;
//! - no module imports a module that imports it back (at the level of files and directories);
//! - SQL only in `store`; the gRPC adapter reaches use cases only, never the store;
//! - the domain is free of gRPC transport and SQL;
//! - no source file (outside tests/) over 600 lines (functions over 80 lines are refused by clippy's
//!   `too_many_lines`, configured in `clippy.toml`).
use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source of a file without its `#[cfg(test)] mod tests { … }` (unit tests may be long and
/// may use anything).
fn non_test_source(text: &str) -> String {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => text[..i].to_string(),
        None => text.to_string(),
    }
}

/// A file's module path within its crate: `src/app/send.rs` → `app::send`, `src/app/mod.rs` →
/// `app`, `src/lib.rs` → ``.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts.join("::")
}

/// Every `crate::a::b…` path a source mentions, with `use crate::{a, b::{c, d}}` groups expanded
/// and `super::` resolved against `module`.
fn referenced_paths(module: &str, text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    for (prefix, base) in [("crate::", String::new()), ("super::", parent(module))] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            expand(&base, rest, &mut out);
        }
    }
    out
}

fn parent(module: &str) -> String {
    match module.rsplit_once("::") {
        Some((p, _)) => p.to_string(),
        None => String::new(),
    }
}

fn join(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_string()
    } else {
        format!("{base}::{name}")
    }
}

/// Reads a path (or a `{…}` group) at the start of `rest` and records it under `base`.
fn expand(base: &str, rest: &str, out: &mut BTreeSet<String>) {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 1;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 1 => {
                    expand(base, &group[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
            if depth == 0 {
                expand(base, &group[start..i], out);
                return;
            }
        }
        return;
    }
    let ident: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if ident.is_empty() || ident == "self" {
        if !base.is_empty() {
            out.insert(base.to_string());
        }
        return;
    }
    let path = join(base, &ident);
    let after = &rest[ident.len()..];
    match after.strip_prefix("::") {
        Some(next) => expand(&path, next, out),
        None => {
            out.insert(path);
        }
    }
}

struct Crate {
    name: String,
    /// Module → source (tests removed).
    modules: BTreeMap<String, String>,
}

fn service_crates() -> Vec<Crate> {
    let mut crates = Vec::new();
    let services = root().join("services");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&services)
        .expect("services/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("src").is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let src = dir.join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let modules = files
            .iter()
            .filter(|f| !f.ends_with("main.rs"))
            .map(|f| {
                let text = fs::read_to_string(f).expect("read source");
                (module_of(&src, f), non_test_source(&text))
            })
            .collect();
        crates.push(Crate {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            modules,
        });
    }
    crates
}

/// The module a referenced path lands in: its longest prefix that is a module of the crate.
fn owner<'a>(modules: &'a BTreeMap<String, String>, path: &str) -> Option<&'a str> {
    let mut candidate = path.to_string();
    loop {
        if let Some((k, _)) = modules.get_key_value(&candidate) {
            return Some(k.as_str());
        }
        candidate = candidate.rsplit_once("::")?.0.to_string();
    }
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

#[test]
fn every_service_has_the_same_skeleton() {
    let required = ["service", "grpc", "app", "domain", "store", "error"];
    for c in service_crates() {
        let tops: BTreeSet<&str> = c.modules.keys().map(|m| top(m)).collect();
        for r in required {
            assert!(
                tops.contains(r),
                "services/{} has no `{r}` module; every service has {required:?}",
                c.name
            );
        }
    }
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    for c in service_crates() {
        // Edges between modules (files), and between top-level modules (directories).
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (module, text) in &c.modules {
            for path in referenced_paths(module, text) {
                if let Some(target) = owner(&c.modules, &path)
                    && target != module
                    && !target.is_empty()
                    && !module.starts_with(&format!("{target}::"))
                {
                    edges
                        .entry(module.clone())
                        .or_default()
                        .insert(target.to_string());
                }
            }
        }
        let mut top_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, tos) in &edges {
            for to in tos {
                if top(from) != top(to) {
                    top_edges
                        .entry(top(from).to_string())
                        .or_default()
                        .insert(top(to).to_string());
                }
            }
        }
        for (graph, what) in [(&edges, "modules"), (&top_edges, "top-level modules")] {
            if let Some(cycle) = find_cycle(graph) {
                panic!(
                    "services/{}: {what} import each other in a cycle: {}",
                    c.name,
                    cycle.join(" → ")
                );
            }
        }
    }
}

fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(c) = visit(node, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn sql_only_in_the_store() {
    let sql = [
        "sqlx::query",
        "query_as(",
        "query_scalar(",
        "QueryBuilder",
        "AssertSqlSafe",
        ".begin()",
        "SELECT ",
        "INSERT INTO",
        "UPDATE ",
        "DELETE FROM",
    ];
    for c in service_crates() {
        for (module, text) in &c.modules {
            if top(module) == "store" {
                continue;
            }
            for needle in sql {
                assert!(
                    !text.contains(needle),
                    "services/{}: `{module}` contains `{needle}`; SQL belongs in `store`",
                    c.name
                );
            }
        }
    }
}

#[test]
fn adapters_call_use_cases_and_the_domain_stays_pure() {
    for c in service_crates() {
        for (module, text) in &c.modules {
            let refs = referenced_paths(module, text);
            let uses = |m: &str| refs.iter().any(|p| top(p) == m);
            if top(module) == "grpc" {
                assert!(
                    !uses("store"),
                    "services/{}: the adapter `{module}` reaches the store; call a use case",
                    c.name
                );
            }
            if top(module) == "domain" {
                for forbidden in ["store", "app", "grpc", "service"] {
                    assert!(
                        !uses(forbidden),
                        "services/{}: the domain module `{module}` uses `{forbidden}`",
                        c.name
                    );
                }
                for needle in ["sqlx", "tonic::"] {
                    assert!(
                        !text.contains(needle),
                        "services/{}: the domain module `{module}` uses {needle}; rules are pure",
                        c.name
                    );
                }
            }
        }
    }
}

#[test]
fn no_source_file_over_600_lines() {
    let mut files = Vec::new();
    for dir in ["crates", "services"] {
        rust_files(&root().join(dir), &mut files);
    }
    let mut long = Vec::new();
    for f in files {
        let is_test = f.components().any(|c| c.as_os_str() == "tests");
        if is_test || !f.components().any(|c| c.as_os_str() == "src") {
            continue;
        }
        let text = fs::read_to_string(&f).expect("read");
        let lines = text.lines().count();
        if lines > 600 {
            long.push(format!("{} ({lines})", f.display()));
        }
    }
    assert!(
        long.is_empty(),
        "source files over 600 lines (split them along their seams): {long:?}"
    );
}

#[test]
fn the_checker_reads_imports() {
    let refs = referenced_paths(
        "app::send",
        "use crate::{domain::{self, Limits}, store};\nuse super::relay::X; // crate::grpc\nlet x = crate::error::Result;",
    );
    let want: BTreeSet<String> = [
        "domain",
        "domain::Limits",
        "store",
        "app::relay::X",
        "error::Result",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(refs, want);
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert!(find_cycle(&g).is_some());
    g.remove("b");
    assert!(find_cycle(&g).is_none());
}
