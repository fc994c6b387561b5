import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../src/markdown";

describe("comments as Markdown, rendered safely", () => {
  it("renders emphasis, code, lists and quotes", () => {
    const el = renderMarkdown("Miner from a stolen **cart** token, see `xmrig`.\n\n- isolated\n- token *rotated*\n\n> quoted\n\n```\nkubectl get pods\n```");
    expect(el.querySelector("strong")!.textContent).toBe("cart");
    expect(el.querySelector("p code")!.textContent).toBe("xmrig");
    expect([...el.querySelectorAll("li")].map((l) => l.textContent)).toEqual(["isolated", "token rotated"]);
    expect(el.querySelector("em")!.textContent).toBe("rotated");
    expect(el.querySelector("blockquote")!.textContent).toContain("quoted");
    expect(el.querySelector("pre code")!.textContent).toBe("kubectl get pods\n");
  });

  it("never creates script, HTML from the text, or handlers", () => {
    const el = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n<b onclick="x()">bold</b>');
    expect(el.querySelector("script, img, b, [onerror], [onclick]")).toBeNull();
    expect(el.textContent).toContain("<script>alert(1)</script>");
    expect(el.textContent).toContain('<img src=x onerror="alert(2)">');
  });

  it("loads no image and follows no link: both stay text with their address", () => {
    const el = renderMarkdown("![pool](http://203.0.113.45/x.png) and [the pool](https://pool.example/stats) and [x](javascript:alert(1))");
    expect(el.querySelector("img, a, [href], [src]")).toBeNull();
    expect(el.textContent).toContain("<https://pool.example/stats>");
    expect(el.textContent).toContain("<http://203.0.113.45/x.png>");
    // markdown-it refuses javascript: links: the text stays as written.
    expect(el.textContent).toContain("[x](javascript:alert(1))");
  });

  it("keeps headings small and numbered lists' start", () => {
    const el = renderMarkdown("# Title\n\n3. third\n4. fourth");
    expect(el.querySelector("h1")).toBeNull();
    expect(el.querySelector(".md-heading")!.textContent).toBe("Title");
    expect(el.querySelector("ol")!.getAttribute("start")).toBe("3");
  });
});
