//! The report's graph figure and the app's layout, held together: the demo's
//! critical incident is laid out for the page by the Rust port, and
//! `fixtures/golden/graph-layout-demo.json` keeps its graph (the input), the
//! room, and the positions, gaps, labels and attack path that came out.
//! `ui/tests/layoutParity.test.ts` replays the same input through the app's
//! TypeScript and must land within half a pixel of every position.
//! `KORDON_BLESS=1` rewrites the file after a reviewed change (to either
//! side: then run the vitest too).

use crate::util::{fixture, golden_json, TestCase};
use kordon::app::export::{decode, ImageFormat};
use kordon::report::figure;
use kordon::store::Case;
use serde_json::{json, Map, Value};

#[test]
fn the_demo_incident_is_laid_out_for_the_page_as_the_app_lays_it_out() {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let incidents = t.json_lines(&["incidents"]);
    let critical = incidents.iter().find(|i| i["severity"] == "critical").expect("the demo has a critical incident");
    let inc = critical["id"].as_str().unwrap();
    let cli: Value = serde_json::from_str(&t.ok(&["graph", inc])).unwrap();

    let case = Case::open(&t.case).unwrap();
    let id = kordon::incident::parse_incident_id(inc).unwrap();
    let graph = kordon::app::views::incident_graph(&case, id, &[]).unwrap();
    assert_eq!(serde_json::to_value(&graph).unwrap(), cli, "the figure draws the graph `kordon graph` prints");

    let layout = figure::page_layout(&graph);
    let budget = figure::page_budget(&graph, &layout);
    let path = figure::attack_path(&graph);
    let mut positions = Map::new();
    let mut labels = Map::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        let p = layout.positions[i];
        positions.insert(n.id.clone(), json!({ "x": p.x, "y": p.y }));
        let named = figure::label::Named { label: &n.label, aggregated: n.aggregated, member_count: n.member_count, tactics: &n.tactics };
        labels.insert(n.id.clone(), json!(figure::label::node_label(&named, budget).join("\n")));
    }
    // A laptop's canvas too: gaps between their bounds rather than at the
    // smallest, a different wrapping of the long columns.
    let wide_room = figure::layout::Room { width: 1200.0, height: 640.0 };
    let wide = figure::layout_in(&graph, wide_room);
    let mut wide_positions = Map::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        wide_positions.insert(n.id.clone(), json!({ "x": wide.positions[i].x, "y": wide.positions[i].y }));
    }
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let actual = json!({
        "room": { "width": figure::PAGE_ROOM.width, "height": figure::PAGE_ROOM.height },
        "graph": cli,
        "layout": {
            "rankGap": layout.rank_gap,
            "rowGap": layout.row_gap,
            "budget": { "chars": budget.chars, "lines": budget.lines },
            "positions": positions,
            "labels": labels,
        },
        "wide": {
            "room": { "width": wide_room.width, "height": wide_room.height },
            "rankGap": wide.rank_gap,
            "rowGap": wide.row_gap,
            "positions": wide_positions,
        },
        "path": {
            "nodes": sorted(path.nodes.iter().map(|&i| graph.nodes[i].id.clone()).collect()),
            "edges": sorted(path.edges.iter().map(|&i| graph.edges[i].id.clone()).collect()),
        },
    });
    golden_json(&fixture("golden/graph-layout-demo.json"), &actual, "the page layout of the demo's critical incident");

    // What the report embeds is a checked, self-contained picture.
    let f = figure::incident_graph(&graph);
    decode(ImageFormat::Svg, &f.svg).unwrap();
    assert!(f.caption.contains(&format!("{} nodes", graph.nodes.len())), "{}", f.caption);
    for verb in ["exec into", "started"] {
        assert!(f.svg.contains(verb), "the path's verb {:?} is drawn", verb);
    }
}
