use super::*;
use crate::app::export::{decode, ImageFormat};
use crate::incident::graph::{Edge, Node};

fn node(id: &str, kind: &str, label: &str, signals: &[&str]) -> Node {
    Node {
        id: id.into(),
        kind: kind.into(),
        label: label.into(),
        key: Some(label.into()),
        tactics: if signals.is_empty() { Vec::new() } else { vec!["TA0002".into()] },
        severity: (!signals.is_empty()).then(|| "high".to_string()),
        first_seen: Some(format!("2026-11-20T09:47:{:02}.123456789Z", id.len() % 60)),
        last_seen: None,
        evidence_count: signals.len() + 1,
        evidence: signals.iter().map(|s| s.to_string()).chain(std::iter::once(format!("ctx-{}", id))).collect(),
        signal_count: signals.len(),
        member_count: 1,
        aggregated: false,
        members: Vec::new(),
    }
}

fn edge(source: &str, target: &str, kind: &str, label: Option<&str>) -> Edge {
    Edge {
        id: format!("{}>{}:{}", source, target, kind),
        source: source.into(),
        target: target.into(),
        kind: kind.into(),
        first_seen: None,
        last_seen: None,
        evidence_count: 1,
        evidence: vec![format!("ev-{}-{}", source, target)],
        ports: Vec::new(),
        label: label.map(str::to_string),
        exercised: None,
    }
}

fn graph(nodes: Vec<Node>, edges: Vec<Edge>) -> Graph {
    Graph { incident: "INC-0000000000000001".into(), nodes, edges, raw_entities: 0, aggregate_over: 25 }
}

/// A small attack: a stolen token execs into a pod whose shell starts a
/// miner; the pod's image and node are context.
fn attack() -> Graph {
    graph(
        vec![
            node("sa", "identity", "service account shop/cart", &["s1"]),
            node("perm", "permission", "secrets in shop", &[]),
            node("pod", "pod", "shop/cart-7f9c6d8b5-x2k4q", &["s1", "s2"]),
            node("ctr", "container", "335beb25619a", &["s2"]),
            node("sh", "process", "/bin/sh (2291847)", &["s2"]),
            node("miner", "process", "/tmp/.x/xmrig (2292803)", &["s3"]),
            node("pool", "ip", "198.51.100.77", &["s3"]),
            node("img", "image", "shop/cart:1.4", &[]),
            node("kn", "node", "aks-nodepool1-0", &[]),
        ],
        vec![
            edge("sa", "perm", "can", Some("can get, list")),
            edge("sa", "pod", "acted-on", Some("exec into")),
            edge("pod", "ctr", "runs", None),
            edge("ctr", "sh", "ran", Some("started")),
            edge("sh", "miner", "started", Some("started")),
            edge("miner", "pool", "connected-to", Some("connected to :3333")),
            edge("ctr", "img", "from-image", None),
            edge("pod", "kn", "on-node", None),
        ],
    )
}

/// Whether the elements open and close in order (the figure has no
/// comments, declarations or CDATA; `<` inside text is escaped).
fn well_formed(svg: &str) -> std::result::Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let j = rest[i..].find('>').ok_or("an unclosed tag")? + i;
        let tag = &rest[i + 1..j];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("</{}> closes nothing", name))?;
            if open != name {
                return Err(format!("<{}> closed by </{}>", open, name));
            }
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap_or("").to_string());
        }
        if tag.contains('<') || !tag.matches('"').count().is_multiple_of(2) {
            return Err(format!("a broken tag: {}", tag));
        }
        rest = &rest[j + 1..];
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {:?}", stack))
    }
}

fn check_svg(f: &Figure) {
    decode(ImageFormat::Svg, &f.svg).unwrap_or_else(|e| panic!("{}\n{}", e, f.svg));
    well_formed(&f.svg).unwrap_or_else(|e| panic!("{}\n{}", e, f.svg));
    assert!(f.svg.contains(&format!("viewBox=\"0 0 {} {}\"", svg_num(f.width), svg_num(f.height))), "{}", f.svg);
    for refused in ["<style", "<image", "<use", "<a ", "<foreignObject", "<script", "href="] {
        assert!(!f.svg.contains(refused), "{} in\n{}", refused, f.svg);
    }
}

fn svg_num(v: f64) -> String {
    let s = format!("{:.2}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[test]
fn the_same_graph_gives_the_same_bytes() {
    let a = incident_graph(&attack());
    let b = incident_graph(&attack());
    assert_eq!(a, b);
    check_svg(&a);
    assert_eq!(a.caption, "The incident graph: 9 nodes, the attack path emphasized, context dimmed");
    assert!(a.width > 100.0 && a.height > 100.0);
}

#[test]
fn the_attack_path_is_drawn_with_its_verbs_and_context_dimmed() {
    let g = attack();
    let path = attack_path(&g);
    let on: Vec<&str> = {
        let mut v: Vec<&str> = path.edges.iter().map(|&i| g.edges[i].id.as_str()).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(
        on,
        ["ctr>sh:ran", "miner>pool:connected-to", "pod>ctr:runs", "sa>pod:acted-on", "sh>miner:started"],
        "the permission, image and node edges place the pod; they are not the path"
    );
    let f = incident_graph(&g);
    for verbs in ["exec into", "started", "connected to &#58;3333", ">runs<"] {
        assert!(f.svg.contains(verbs), "{} not drawn:\n{}", verbs, f.svg);
    }
    // The path's lines are red with their own arrowhead; the rest dimmed and unlabelled.
    assert_eq!(f.svg.matches("marker-end=\"url(#k-path)\"").count(), 5 + 1, "five edges and the legend's line");
    assert!(!f.svg.contains(">can get, list<"), "a dimmed edge has no label");
    assert!(f.svg.contains("<g opacity=\"0.35\">"), "context nodes dimmed");
    for legend in [">identity<", ">permission<", ">pod<", ">container<", ">process<", ">address<", ">image<", ">cluster node<", ">attack path<"] {
        assert!(f.svg.contains(legend), "legend {} missing", legend);
    }
}

#[test]
fn hostile_labels_are_escaped_and_pass_the_export_check() {
    let hostile = [
        "</text><script>alert(1)</script>",
        "x\" onload=\"alert(1)",
        "a onclick =b & c",
        "<foreignObject><a href='javascript:x'>",
        "@import url(evil.css)",
        "bad\u{1b}[31mred\u{7}\u{0}\u{9b}c\u{202e}gnp.exe\u{2066}\u{200f}",
    ];
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (i, h) in hostile.iter().enumerate() {
        let id = format!("n{}", i);
        let mut n = node(&id, if i % 2 == 0 { "process" } else { "pod" }, h, &["s1"]);
        n.tactics = vec![h.to_string()];
        nodes.push(n);
        if i > 0 {
            edges.push(edge(&format!("n{}", i - 1), &id, "started", Some(h)));
        }
    }
    let mut odd = node("k", "</kind onload=1>", "k", &[]);
    odd.aggregated = true;
    nodes.push(odd);
    let f = incident_graph(&graph(nodes, edges));
    check_svg(&f);
    for c in ['\u{1b}', '\u{7}', '\u{0}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{200f}'] {
        assert!(!f.svg.contains(c), "{:?} reached the figure", c);
    }
    assert!(!f.svg.contains("<script") && !f.svg.contains("onload=") && !f.svg.contains("<a "));
    assert!(f.svg.contains("&lt;/text&gt;&lt;script&gt;"), "{}", f.svg);
}

#[test]
fn empty_and_one_node_graphs_are_drawn() {
    let empty = incident_graph(&graph(Vec::new(), Vec::new()));
    check_svg(&empty);
    assert_eq!(empty.caption, "The incident graph: 0 nodes");
    assert!(empty.svg.contains("No entity to draw."));
    assert!(empty.width > 0.0 && empty.height > 0.0);

    let one = incident_graph(&graph(vec![node("p", "pod", "shop/cart", &[])], Vec::new()));
    check_svg(&one);
    assert_eq!(one.caption, "The incident graph: 1 node");
    assert!(one.svg.contains(">shop/cart<") && one.svg.contains(">pod<"));
    assert!(!one.svg.contains("opacity=\"0.35\""), "nothing is dimmed without a path");
}

#[test]
fn edges_between_the_same_nodes_bend_apart() {
    let g = graph(
        vec![node("a", "process", "a", &[]), node("b", "process", "b", &[])],
        vec![edge("a", "b", "started", None), edge("b", "a", "signalled", None), edge("a", "b", "wrote", None)],
    );
    let f = incident_graph(&g);
    check_svg(&f);
    // Three edges: one straight, two curved to either side.
    assert_eq!(f.svg.matches(" Q").count(), 2, "{}", f.svg);
}

/// A graph as large as the core lets one get (its node budget), shaped
/// like an incident: one identity, workloads, pods, containers, process
/// trees and their connections.
fn large(n: usize) -> Graph {
    let mut nodes = vec![node("sa", "identity", "service account shop/cart", &["s0"])];
    let mut edges = Vec::new();
    let kinds = ["workload", "pod", "container", "process", "process", "process", "ip", "file", "image", "node"];
    for i in 1..n {
        let kind = kinds[i % kinds.len()];
        let id = format!("{}-{:04}", kind, i);
        let sig = format!("s{}", i % 7);
        let signals: &[&str] = if i % 5 == 0 { &[sig.as_str()] } else { &[] };
        nodes.push(node(&id, kind, &format!("/opt/app/{}/bin/worker-{:04} --serve", kind, i), signals));
        // Linked to the node of the previous kind along the chain, a few back.
        let parent = if i >= kinds.len() { i - kinds.len() + (i % 3) } else { 0 };
        let parent = &nodes[parent.min(i - 1)].id.clone();
        edges.push(edge(parent, &id, "linked", Some("linked")));
        if i % 4 == 0 && i > 20 {
            edges.push(edge(&nodes[i - 17].id.clone(), &id, "started", None));
        }
    }
    graph(nodes, edges)
}

#[test]
fn a_graph_of_five_hundred_nodes_is_drawn_in_reasonable_time() {
    let g = large(500);
    let start = std::time::Instant::now();
    let f = incident_graph(&g);
    let took = start.elapsed();
    check_svg(&f);
    eprintln!("figure of {} nodes and {} edges: {:?}, {} bytes, {} × {}", g.nodes.len(), g.edges.len(), took, f.svg.len(), f.width, f.height);
    // Generous for an unoptimised build on a shared machine.
    assert!(took < std::time::Duration::from_secs(5), "{:?}", took);
    let l = page_layout(&g);
    assert!(l.positions.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
    assert_eq!(page_budget(&g, &l).lines, 1, "a large graph keeps one line a label, as in the app");
}
