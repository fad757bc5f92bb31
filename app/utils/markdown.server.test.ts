import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown.server";

describe("renderMarkdown", () => {
  it("renders the formatting organisers use", () => {
    expect(renderMarkdown("**Fast** course\n\n- flat\n- scenic")).toBe("<p><strong>Fast</strong> course</p>\n<ul>\n<li>flat</li>\n<li>scenic</li>\n</ul>\n");
  });

  it("removes scripts, event handlers and javascript: links", () => {
    const html = renderMarkdown('<script>alert(1)</script><img src=x onerror="alert(1)">\n\n[x](javascript:alert(1))\n\n<a href="https://ok.example" onclick="x()">ok</a>');
    expect(html).not.toMatch(/<script|onerror|onclick|href="javascript:|<img/);
    expect(html).toContain('<a href="https://ok.example" rel="noopener noreferrer nofollow" target="_blank">ok</a>');
  });
});
