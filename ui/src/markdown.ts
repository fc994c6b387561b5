// Comments are Markdown, and comments are written by people pasting from an
// attacked cluster: so they are parsed by markdown-it (raw HTML off) and the
// DOM is built here from its tokens, element by element from an allow-list,
// text always as text nodes. Nothing becomes HTML, no script can run, and no
// image or link can fetch or navigate: images and links are shown as text
// with their address, which the investigator can copy.
import MarkdownIt from "markdown-it";
import { h } from "./dom";

type Token = ReturnType<MarkdownIt["parse"]>[number];

const md = new MarkdownIt({ html: false, linkify: false, typographer: false }).disable(["image"]);

/** Block and inline tags the renderer may create; anything else becomes a span. */
const ALLOWED = new Set([
  "p",
  "em",
  "strong",
  "s",
  "ul",
  "ol",
  "li",
  "blockquote",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
]);

function element(tag: string): HTMLElement {
  // Headings in a comment stay small: they structure a note, not the page.
  if (/^h[1-6]$/.test(tag)) return h("p", { className: `md-heading md-${tag}` });
  return ALLOWED.has(tag) ? document.createElement(tag) : h("span");
}

/** Opens an element, closes the current one, or adds a token's text. */
function nest(t: Token, stack: HTMLElement[]): void {
  const top = stack[stack.length - 1]!;
  if (t.nesting === 1) {
    const el = element(t.tag);
    if (t.tag === "ol") {
      const start = Number(t.attrGet("start"));
      if (Number.isInteger(start) && start > 1) el.setAttribute("start", String(start));
    }
    top.append(el);
    stack.push(el);
  } else if (t.nesting === -1) {
    if (stack.length > 1) stack.pop();
  } else if (t.content) {
    top.append(t.content);
  }
}

function renderInline(tokens: Token[], into: HTMLElement): void {
  const stack: HTMLElement[] = [into];
  const top = () => stack[stack.length - 1]!;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case "text":
        top().append(t.content);
        break;
      case "code_inline":
        top().append(h("code", null, t.content));
        break;
      case "softbreak":
        top().append("\n");
        break;
      case "hardbreak":
        top().append(h("br"));
        break;
      case "link_open": {
        const href = t.attrGet("href") ?? "";
        const link = h("span", { className: "md-link", title: href });
        top().append(link);
        stack.push(link);
        break;
      }
      case "link_close": {
        const link = stack.pop()!;
        const href = link.title;
        if (href && link.textContent !== href) link.after(" ", h("span", { className: "md-href mono" }, `<${href}>`));
        break;
      }
      default:
        nest(t, stack);
    }
  }
}

/** Renders Markdown to DOM, safely (see the module comment). */
export function renderMarkdown(source: string): HTMLElement {
  const root = h("div", { className: "markdown" });
  const stack: HTMLElement[] = [root];
  const top = () => stack[stack.length - 1]!;
  for (const t of md.parse(source, {})) {
    if (t.type === "inline") {
      renderInline(t.children ?? [], top());
    } else if (t.type === "fence" || t.type === "code_block") {
      top().append(h("pre", null, h("code", null, t.content)));
    } else if (t.type === "hr") {
      top().append(h("hr"));
    } else {
      nest(t, stack);
    }
  }
  return root;
}
