//! The module rules, held by a test that reads `src/`: every `crate::`, `super::` and `self::`
//! path of every file (its `use` items and the paths in its code, parsed with `syn`) is
//! resolved to the file that defines it, re-exports followed. Two checks on that graph:
//!
//! - **forbidden imports** between top-level modules: the TUI never reaches AWS, the sandbox or
//!   the wiring (`tui → aws | sandbox | app`); the front ends receive values, never the
//!   command line's structs (`tui | headless → cli`); the engine and the actions never reach the TUI;
//!   `domain/` and `sandbox/` import nothing of the crate outside themselves; the config file's
//!   reader does not know the TUI.
//! - **forbidden crates**: `domain/` stays pure — no runtime, terminal, AWS SDK, HTTP server or
//!   logging set-up crate (`tokio`, `ratatui`, `crossterm`, `aws_*`, `axum`, `hyper`,
//!   `tracing_subscriber`); `sandbox/` uses nothing of the client's (`ratatui`, `crossterm`,
//!   `aws_*`).
//! - **no file-level cycles**: each folder's files import one another only downward (a
//!   vocabulary file at the bottom), so every file can be read with only what is below it.
//!
//! Test code (`#[cfg(test)]` items) may reach up to set things up;
//! the rules are the program's. Each check is also run on the real sources with one forbidden
//! `use` (or one cycle) added, and must then fail: a rule test that cannot fail would hold
//! nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module's path from the crate root (`["engine", "live"]`); the root is empty.
type Module = Vec<String>;

/// (from, to) pairs of top-level modules that must never meet. `*` is "anything outside".
const FORBIDDEN: &[(&str, &str)] = &[
    ("tui", "aws"),
    ("tui", "sandbox"),
    ("tui", "app"),
    ("tui", "cli"),
    ("headless", "cli"),
    ("engine", "tui"),
    ("actions", "tui"),
    ("config", "tui"),
    ("domain", "*"),
    ("sandbox", "*"),
];

/// Per top-level module: the external crates it must not name (`aws_*`: any crate so named).
const FORBIDDEN_CRATES: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "tokio",
            "ratatui",
            "crossterm",
            "aws_*",
            "axum",
            "hyper",
            "tracing_subscriber",
        ],
    ),
    ("sandbox", &["ratatui", "crossterm", "aws_*"]),
];

/// Every source file of the crate: its module path and its text.
fn sources() -> BTreeMap<Module, (PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut out = BTreeMap::new();
    for path in files {
        let rel = path.strip_prefix(&root).expect("under src");
        let mut module: Module = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(
            module.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            module.pop();
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        out.insert(module, (path, text));
    }
    // `#[path = "x_tests.rs"] mod tests;` inside `x.rs`: that file is module `x::tests`.
    let mut renamed = Vec::new();
    for (module, (path, text)) in &out {
        for (file, name) in path_attribute_mods(text) {
            let dir = path.parent().expect("dir");
            let child = dir.join(&file);
            if let Some((from, _)) = out
                .iter()
                .find(|(_, (p, _))| *p == child)
                .map(|(m, v)| (m.clone(), v.clone()))
            {
                let mut to = module.clone();
                to.push(name);
                renamed.push((from, to));
            }
        }
    }
    for (from, to) in renamed {
        if let Some(v) = out.remove(&from) {
            out.insert(to, v);
        }
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `#[path = "file"] mod name;` items of a file.
fn path_attribute_mods(text: &str) -> Vec<(String, String)> {
    let Ok(file) = syn::parse_file(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in file.items {
        if let syn::Item::Mod(m) = item {
            for attr in &m.attrs {
                if let syn::Meta::NameValue(nv) = &attr.meta {
                    if nv.path.is_ident("path") {
                        if let syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) = &nv.value
                        {
                            out.push((s.value(), m.ident.to_string()));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The paths a file names, absolute from the crate root (`crate::`, `super::`, `self::`
/// resolved against `module`), from its `use` trees and its code.
#[derive(Default)]
struct Paths {
    module: Module,
    found: Vec<Module>,
    /// The first segment of every other path of two or more segments, and of every `use`:
    /// the external crates the file names (and some local names, which no rule lists).
    roots: BTreeSet<String>,
}

impl Paths {
    /// The paths the file of `module` names.
    fn of(module: &Module, path: &Path, text: &str) -> Self {
        let file = syn::parse_file(text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let mut paths = Self {
            module: module.clone(),
            ..Self::default()
        };
        paths.visit_file(&file);
        paths
    }

    fn absolute(&self, segments: &[String]) -> Option<Module> {
        let (mut base, rest) = match segments.first().map(String::as_str) {
            Some("crate") => (Vec::new(), &segments[1..]),
            Some("self") => (self.module.clone(), &segments[1..]),
            Some("super") => (self.module.clone(), segments),
            _ => return None,
        };
        let mut rest = rest;
        while rest.first().map(String::as_str) == Some("super") {
            base.pop();
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                self.push(prefix);
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.push(prefix);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.push(prefix),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    fn push(&mut self, segments: &[String]) {
        if let Some(path) = self.absolute(segments) {
            self.found.push(path);
        }
    }
}

/// `#[cfg(test)]`: test code may reach up to set things up; the rules are for the program.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Impl(i) => &i.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_test(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    /// An inline module (`mod x { … }`) is one level down for its `super::`.
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.module.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let root = match &item.tree {
            syn::UseTree::Path(p) => Some(&p.ident),
            syn::UseTree::Name(n) => Some(&n.ident),
            syn::UseTree::Rename(r) => Some(&r.ident),
            _ => None,
        };
        self.roots.extend(root.map(ToString::to_string));
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_item_extern_crate(&mut self, item: &'ast syn::ItemExternCrate) {
        self.roots.insert(item.ident.to_string());
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            self.roots.extend(segments.first().cloned());
        }
        self.push(&segments);
        syn::visit::visit_path(self, path);
    }
}

/// The names a `pub use` tree re-exports, each with the child module it comes from.
fn reexported(tree: &syn::UseTree, child: Option<&str>, out: &mut HashMap<String, String>) {
    match tree {
        syn::UseTree::Path(p) => {
            let name = p.ident.to_string();
            match child {
                None if name == "self" => reexported(&p.tree, None, out),
                None => reexported(&p.tree, Some(&name), out),
                Some(c) => reexported(&p.tree, Some(c), out),
            }
        }
        syn::UseTree::Name(n) => {
            if let Some(c) = child {
                out.insert(n.ident.to_string(), c.to_string());
            }
        }
        syn::UseTree::Rename(r) => {
            if let Some(c) = child {
                out.insert(r.rename.to_string(), c.to_string());
            }
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                reexported(t, child, out);
            }
        }
        syn::UseTree::Glob(_) => {}
    }
}

/// Names a module file re-exports from its children (`pub use child::{A, B}` → A, B → child).
fn reexports(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(file) = syn::parse_file(text) else {
        return out;
    };
    for item in file.items {
        if let syn::Item::Use(u) = item {
            if !matches!(u.vis, syn::Visibility::Inherited) {
                reexported(&u.tree, None, &mut out);
            }
        }
    }
    out
}

/// The file-level import graph of `sources`: module → the modules (files) it names.
fn graph(sources: &BTreeMap<Module, (PathBuf, String)>) -> BTreeMap<Module, BTreeSet<Module>> {
    let exports: HashMap<&Module, HashMap<String, String>> = sources
        .iter()
        .map(|(m, (_, text))| (m, reexports(text)))
        .collect();
    // The file a path lands in: the longest prefix that is a file, following re-exports.
    let resolve = |path: &Module| -> Module {
        let mut current: Module = Vec::new();
        for segment in path {
            let mut next = current.clone();
            next.push(segment.clone());
            if sources.contains_key(&next) {
                current = next;
                continue;
            }
            if let Some(child) = exports.get(&current).and_then(|e| e.get(segment)) {
                let mut via = current.clone();
                via.push(child.clone());
                if sources.contains_key(&via) {
                    // One more level: `pub use` in the child's own module file.
                    let inner = exports
                        .get(&via)
                        .and_then(|e| e.get(segment))
                        .map(|c| {
                            let mut deeper = via.clone();
                            deeper.push(c.clone());
                            deeper
                        })
                        .filter(|d| sources.contains_key(d));
                    current = inner.unwrap_or(via);
                }
            }
            break;
        }
        current
    };
    let mut out: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, (path, text)) in sources {
        let paths = Paths::of(module, path, text);
        let targets = out.entry(module.clone()).or_default();
        for found in &paths.found {
            let target = resolve(found);
            if target != *module && !target.is_empty() {
                targets.insert(target);
            }
        }
    }
    out
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "lib".to_string()
    } else {
        module.join("/")
    }
}

/// "tui/model → aws/reader" for every forbidden edge.
fn forbidden(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    let mut out = Vec::new();
    for (from, targets) in graph {
        let Some(top) = from.first() else { continue };
        for to in targets {
            let Some(to_top) = to.first() else { continue };
            let bad = FORBIDDEN
                .iter()
                .any(|(a, b)| a == top && (*b == to_top.as_str() || (*b == "*" && to_top != top)));
            if bad {
                out.push(format!("{} → {}", name(from), name(to)));
            }
        }
    }
    out
}

/// "domain/plan → tokio" for every external crate a module's program code names against
/// [`FORBIDDEN_CRATES`].
fn forbidden_crates(sources: &BTreeMap<Module, (PathBuf, String)>) -> Vec<String> {
    let mut out = Vec::new();
    for (module, (path, text)) in sources {
        let Some((_, crates)) = FORBIDDEN_CRATES
            .iter()
            .find(|(top, _)| module.first().map(String::as_str) == Some(*top))
        else {
            continue;
        };
        let paths = Paths::of(module, path, text);
        for root in &paths.roots {
            let bad = crates.iter().any(|c| match c.strip_suffix('*') {
                Some(prefix) => root.starts_with(prefix),
                None => root == c,
            });
            if bad {
                out.push(format!("{} → {root}", name(module)));
            }
        }
    }
    out
}

/// The groups of files that import one another (strongly connected, more than one file).
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: HashMap<&'a Module, usize>,
        low: HashMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a Module) {
            self.index.insert(v, self.next);
            self.low.insert(v, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.push(name(w));
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.found
}

fn module(path: &str) -> Module {
    path.split('/').map(str::to_string).collect()
}

/// `sources` with `line` appended to the file of `module`.
fn with_line(
    mut sources: BTreeMap<Module, (PathBuf, String)>,
    at: &str,
    line: &str,
) -> BTreeMap<Module, (PathBuf, String)> {
    let file = sources.get_mut(&module(at)).expect("file exists");
    file.1.push('\n');
    file.1.push_str(line);
    file.1.push('\n');
    sources
}

#[test]
fn no_module_imports_what_its_layer_must_not() {
    let graph = graph(&sources());
    assert!(graph.len() > 50, "the sources were read: {}", graph.len());
    let bad = forbidden(&graph);
    assert!(bad.is_empty(), "forbidden imports:\n{}", bad.join("\n"));
}

#[test]
fn no_module_names_a_crate_its_layer_must_not() {
    let bad = forbidden_crates(&sources());
    assert!(bad.is_empty(), "forbidden crates:\n{}", bad.join("\n"));
}

#[test]
fn one_forbidden_crate_in_the_domain_or_the_sandbox_makes_the_check_fail() {
    let bad = forbidden_crates(&with_line(
        sources(),
        "domain/plan",
        "use tokio::sync::mpsc;",
    ));
    assert_eq!(bad, ["domain/plan → tokio"]);
    // In code rather than a `use`, and any AWS SDK crate.
    let bad = forbidden_crates(&with_line(
        sources(),
        "domain/verdict/judge",
        "fn f() -> aws_sdk_cloudwatch::Client { todo!() }",
    ));
    assert_eq!(bad, ["domain/verdict/judge → aws_sdk_cloudwatch"]);
    let bad = forbidden_crates(&with_line(
        sources(),
        "sandbox/traffic",
        "fn f() { ratatui::widgets::Block::new(); }",
    ));
    assert_eq!(bad, ["sandbox/traffic → ratatui"]);
    // Test code may use what it needs.
    let bad = forbidden_crates(&with_line(
        sources(),
        "domain/plan",
        "#[cfg(test)]\nmod more { use tokio::sync::mpsc; }",
    ));
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn no_two_files_import_each_other() {
    let found = cycles(&graph(&sources()));
    assert!(found.is_empty(), "files importing each other: {found:?}");
}

#[test]
fn one_forbidden_use_or_one_cycle_makes_the_checks_fail() {
    // The TUI's model reaching for an AWS reader.
    let bad = forbidden(&graph(&with_line(
        sources(),
        "tui/model",
        "use crate::aws::AwsReader;",
    )));
    assert_eq!(bad, ["tui/model → aws/reader"]);
    // A domain file reaching into the engine, in code rather than a `use`.
    let bad = forbidden(&graph(&with_line(
        sources(),
        "domain/plan",
        "fn f() -> crate::engine::MetricSpan { todo!() }",
    )));
    assert_eq!(bad, ["domain/plan → engine/messages"]);
    // The engine's vocabulary naming the live loop, which names it: a cycle.
    let found = cycles(&graph(&with_line(
        sources(),
        "engine/messages",
        "use super::live::EngineHandle;",
    )));
    assert_eq!(
        found,
        [vec!["engine/live", "engine/messages", "engine/schedule"]]
    );
}
