import { describe, expect, it } from "vitest";
import { escapeXml, graphSvg, type SvgGraph } from "../src/graph/svg";

const node = (x: number, label: string, shape = "ellipse") => ({
  x,
  y: 0,
  w: 30,
  h: 30,
  shape,
  fill: "#8e5cc9",
  stroke: "#d62828",
  strokeWidth: 3,
  dashed: false,
  opacity: 1,
  lines: label.split("\n"),
  fontSize: 12,
  textColor: "#1d2530",
});

const graph = (label: string): SvgGraph => ({
  title: "INC-070b10ff — Crypto-mining",
  background: "#ffffff",
  nodes: [node(0, label), node(200, "198.51.100.77", "round-triangle"), node(400, "xmrig", "diamond")],
  edges: [
    { from: { x: 15, y: 0 }, via: null, to: { x: 185, y: 0 }, color: "#c0392b", width: 2.5, dashed: false, opacity: 1, arrow: true, label: "connected to :4444", fontSize: 10, textColor: "#9b2c1c" },
    { from: { x: 215, y: 0 }, via: { x: 300, y: -60 }, to: { x: 385, y: 0 }, color: "url(javascript:x)", width: 1, dashed: true, opacity: 0.25, arrow: false, label: "", fontSize: 9, textColor: "#000" },
  ],
});

const parse = (svg: string) => new DOMParser().parseFromString(svg, "image/svg+xml");

describe("the graph as SVG", () => {
  it("is a well-formed document with every label as text", () => {
    const svg = graphSvg(graph("service account\nshop/cart"));
    const doc = parse(svg);
    expect(doc.getElementsByTagName("parsererror")).toHaveLength(0);
    expect(doc.documentElement.tagName).toBe("svg");
    const text = [...doc.getElementsByTagName("tspan")].map((t) => t.textContent);
    expect(text).toEqual(expect.arrayContaining(["service account", "shop/cart", "198.51.100.77", "connected to :4444"]));
    expect(doc.getElementsByTagName("title")[0]!.textContent).toContain("INC-070b10ff");
    // Sized to what it draws.
    expect(Number(doc.documentElement.getAttribute("width"))).toBeGreaterThan(400);
    expect(doc.getElementsByTagName("polygon").length).toBe(2);
    expect(doc.getElementsByTagName("marker").length).toBe(1);
  });

  it("keeps hostile labels as text and refers to nothing outside itself", () => {
    const svg = graphSvg(graph('<script>alert(1)</script>"onload="x()\u001b]0;owned\u0007'));
    expect(svg).not.toContain("<script");
    expect(svg).not.toMatch(/\son\w+\s*=/i);
    expect(svg).not.toContain("\u001b");
    expect(svg).not.toContain("javascript:");
    expect(svg).not.toContain("href=");
    const doc = parse(svg);
    expect(doc.getElementsByTagName("parsererror")).toHaveLength(0);
    expect([...doc.getElementsByTagName("tspan")].map((t) => t.textContent)).toContain('<script>alert(1)</script>"onload="x()]0;owned');
  });

  it("escapes what XML needs", () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  });
});
