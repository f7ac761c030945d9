/**
 * The static HTML edition (`deno task book`): renders the executed notebooks,
 * outputs and all, into a folder of plain pages that open offline from
 * `book/index.html` — markdown with KaTeX math, highlighted code, inline SVG charts.
 * @module
 */

import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { escape as escapeHtml, unescape as unescapeHtml } from "@std/html";
import { stripAnsiCode } from "@std/fmt/colors";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import typescript from "highlight.js/lib/languages/typescript";
import katex from "katex";
import { Marked, type Token, type Tokens } from "marked";
import type { Cell, Notebook, Output } from "./nbformat.ts";

hljs.registerLanguage("typescript", typescript);
hljs.registerLanguage("javascript", javascript);
hljs.registerLanguage("json", json);
hljs.registerLanguage("bash", bash);
hljs.registerLanguage("python", python);

/** Where {@linkcode buildBook} reads and writes. */
export interface BookOptions {
  /** Folder of the executed notebooks; chapters are its `NN_*.ipynb` files. */
  notebooksDir: string;
  /** Folder the site is written to (created if missing). */
  outDir: string;
  /** Heading of the index page. Default {@linkcode DEFAULT_BOOK_TITLE}. */
  title?: string;
}

/** The index page's heading when {@linkcode BookOptions.title} is not given. */
export const DEFAULT_BOOK_TITLE = "Attention, cell by cell";

/** One page {@linkcode buildBook} wrote. */
export interface BookPage {
  /** Path of the written HTML file. */
  path: string;
  /** Plain-text title: the chapter's first markdown heading, or the book title for the index. */
  title: string;
  /** The notebook the page was rendered from; absent for the index. */
  notebook?: string;
}

/** Options of {@linkcode renderMarkdown}. */
export interface MarkdownOptions {
  /**
   * KaTeX macros shared by every call that gets the same object, so a
   * `\gdef` in one cell holds in the next ones. Default: a fresh object.
   */
  macros?: Record<string, string>;
  /** Rewrites each link and image address; default leaves them as written. */
  rewriteHref?: (href: string) => string;
}

/**
 * Renders every `NN_*.ipynb` notebook of `notebooksDir`, in file-name order,
 * to one HTML page each (with previous/next links), writes an `index.html`
 * listing the chapters with their titles and one-line summaries, and copies
 * KaTeX's stylesheet and fonts to `outDir/katex/` so math renders offline.
 * Nothing on the pages refers to the network.
 *
 * @param options The notebook folder and the output folder.
 * @returns The pages written: the index first, then the chapters in order.
 * @throws {Deno.errors.NotFound} When `notebooksDir` holds no `NN_*.ipynb`.
 * @throws {SyntaxError} When a notebook is not valid JSON.
 *
 * @example
 * ```ts ignore
 * import { buildBook } from "./book.ts";
 * const pages = await buildBook({ notebooksDir: "notebooks", outDir: "book" });
 * console.log(pages.map((page) => page.path)); // [ "book/index.html", "book/01_….html", … ]
 * ```
 */
export async function buildBook(options: BookOptions): Promise<BookPage[]> {
  const notebooksDir = resolve(options.notebooksDir);
  const outDir = resolve(options.outDir);
  const bookTitle = options.title ?? DEFAULT_BOOK_TITLE;

  const names: string[] = [];
  for await (const entry of Deno.readDir(notebooksDir)) {
    if (entry.isFile && CHAPTER_FILE.test(entry.name)) names.push(entry.name);
  }
  names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  if (names.length === 0) {
    throw new Deno.errors.NotFound(
      `no chapter notebooks (NN_name.ipynb) in ${notebooksDir}: write and execute the notebooks first`,
    );
  }

  const pageNames = new Map(names.map((name) => [name, htmlName(name)]));
  const rewriteHref = (href: string): string =>
    relinkHref(href, { notebooksDir, outDir, pageNames });
  const chapters: Chapter[] = [];
  for (const name of names) {
    const path = join(notebooksDir, name);
    chapters.push(
      renderChapter(name, await readNotebook(path), { rewriteHref }),
    );
  }

  await Deno.mkdir(outDir, { recursive: true });
  await copyKatexAssets(join(outDir, "katex"));
  await removeStalePages(outDir, new Set(pageNames.values()));

  const indexPath = join(outDir, "index.html");
  await Deno.writeTextFile(indexPath, indexPage(bookTitle, chapters));
  const pages: BookPage[] = [{ path: indexPath, title: bookTitle }];
  for (const [i, chapter] of chapters.entries()) {
    const path = join(outDir, chapter.file);
    await Deno.writeTextFile(
      path,
      chapterPage(bookTitle, chapter, chapters[i - 1], chapters[i + 1]),
    );
    pages.push({
      path,
      title: chapter.title,
      notebook: join(notebooksDir, chapter.notebook),
    });
  }
  return pages;
}

/**
 * Renders notebook markdown to HTML: CommonMark and GitHub tables through
 * `marked`, `$…$` and `$$…$$` (and bare `\begin{…}…\end{…}` blocks) through
 * KaTeX, fenced code highlighted, headings given `id`s.
 *
 * @param source Markdown text.
 * @param options KaTeX macros and a link rewriter.
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { renderMarkdown } from "./book.ts";
 * const html = renderMarkdown("Weights sum to $1$, not $5 or $6.");
 * if (!html.includes('class="katex"') || !html.includes("$5 or $6")) {
 *   throw new Error(html);
 * }
 * ```
 */
export function renderMarkdown(
  source: string,
  options: MarkdownOptions = {},
): string {
  return createMarkdown(options).parse(source, { async: false });
}

// ---------------------------------------------------------------------------
// Notebooks

/** A chapter's file name: two or more digits, an underscore, a name. */
const CHAPTER_FILE = /^A?\d+_.+\.ipynb$/; // chapters, then appendices (A1_…)

/** A rendered chapter, before it is put into a page. */
interface Chapter {
  /** The notebook's file name, e.g. `01_tokens_and_embeddings.ipynb`. */
  notebook: string;
  /** The page's file name, e.g. `01_tokens_and_embeddings.html`. */
  file: string;
  /** Plain text of the first heading. */
  title: string;
  /** HTML of the first heading's text. */
  titleHtml: string;
  /** HTML of the first sentence after the heading. */
  summaryHtml: string;
  /** HTML of all cells. */
  body: string;
}

async function readNotebook(path: string): Promise<Notebook> {
  const text = await Deno.readTextFile(path);
  let notebook: Notebook;
  try {
    notebook = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `${path} is not a notebook: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(notebook?.cells)) {
    throw new SyntaxError(`${path} is not a notebook: it has no "cells" array`);
  }
  return notebook;
}

function htmlName(notebookName: string): string {
  return notebookName.replace(/\.ipynb$/, ".html");
}

/** Joins nbformat's multi-line strings (a string or an array of lines). */
function joinLines(text: unknown): string {
  if (Array.isArray(text)) return text.join("");
  return typeof text === "string" ? text : "";
}

function renderChapter(
  name: string,
  notebook: Notebook,
  options: { rewriteHref: (href: string) => string },
): Chapter {
  const macros: Record<string, string> = {};
  const markdown = createMarkdown({ macros, rewriteHref: options.rewriteHref });
  const language = notebook.metadata?.language_info?.name ??
    notebook.metadata?.kernelspec?.language ?? "typescript";

  let titleHtml = "";
  let title = "";
  let summaryHtml = "";
  const parts: string[] = [];
  for (const cell of notebook.cells) {
    const source = joinLines(cell.source);
    if (cell.cell_type === "markdown") {
      const text = withAttachments(source, cell);
      if (!summaryHtml) {
        const found = findTitleAndSummary(markdown.lexer(text), title === "");
        if (found.heading && !title) {
          title = plainText(found.heading.tokens);
          titleHtml = markdown.parseInline(found.heading.text, {
            async: false,
          });
        }
        if (found.paragraph && title) {
          summaryHtml = markdown.parseInline(firstSentence(found.paragraph), {
            async: false,
          });
        }
      }
      parts.push(
        `<section class="cell markdown">\n${
          markdown.parse(text, { async: false })
        }</section>`,
      );
    } else if (cell.cell_type === "code") {
      if (source.trim() === "" && !cell.outputs?.length) continue;
      parts.push(
        `<section class="cell code">\n${highlight(source.trimEnd(), language)}${
          renderOutputs(cell.outputs ?? [])
        }</section>`,
      );
    } else {
      parts.push(`<pre class="cell raw">${escapeHtml(source)}</pre>`);
    }
  }
  if (!title) {
    title = name.replace(/\.ipynb$/, "");
    titleHtml = escapeHtml(title);
  }
  return {
    notebook: name,
    file: htmlName(name),
    title,
    titleHtml,
    summaryHtml,
    body: parts.join("\n"),
  };
}

/** Points `attachment:NAME` images at data URLs of the cell's attachments. */
function withAttachments(source: string, cell: Cell): string {
  const attachments = cell.attachments;
  if (!attachments) return source;
  return source.replace(/attachment:([^\s)"']+)/g, (whole, name: string) => {
    const bundle = attachments[decodeURIComponent(name)];
    if (!bundle) return whole;
    const [mime, data] = Object.entries(bundle)[0];
    return `data:${mime};base64,${joinLines(data).replace(/\s+/g, "")}`;
  });
}

/**
 * The first heading of a notebook (when `wantHeading`) and the first
 * paragraph after it, from one markdown cell's tokens.
 */
function findTitleAndSummary(
  tokens: Token[],
  wantHeading: boolean,
): { heading?: Tokens.Heading; paragraph?: string } {
  let heading: Tokens.Heading | undefined;
  for (const token of tokens) {
    if (token.type === "heading" && wantHeading && !heading) {
      heading = token as Tokens.Heading;
    } else if (token.type === "paragraph" && (heading || !wantHeading)) {
      return { heading, paragraph: (token as Tokens.Paragraph).text };
    }
  }
  return { heading };
}

/**
 * The first sentence of a paragraph's markdown, without a bold lead-in such
 * as "**What you will learn.**"; sentence ends inside math or code do not count.
 */
function firstSentence(markdown: string): string {
  const text = markdown.replace(/\s+/g, " ").trim();
  const leadIn = /^(\*\*|__)[^*_]+\1:?\s+(?=\S)/.exec(text);
  const body = leadIn ? text.slice(leadIn[0].length) : text;
  let quote = "";
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === "\\") {
      i++;
    } else if (quote) {
      if (char === quote) quote = "";
    } else if (char === "$" || char === "`") {
      quote = char;
    } else if (
      ".!?".includes(char) && /^ +[A-Z(]/.test(body.slice(i + 1)) &&
      !/\b(e\.g|i\.e|cf|vs)$/.test(body.slice(0, i))
    ) {
      return body.slice(0, i + 1);
    }
  }
  return body;
}

/** Plain text of inline tokens, math as its TeX source. */
function plainText(tokens: Token[] | undefined): string {
  return (tokens ?? []).map((token) => {
    const children = (token as { tokens?: Token[] }).tokens;
    if (token.type === "math") return (token as MathToken).tex;
    if (children?.length) return plainText(children);
    return unescapeHtml((token as { text?: string }).text ?? "");
  }).join("");
}

// ---------------------------------------------------------------------------
// Markdown with math

/** A `$…$`, `$$…$$` or `\begin{…}` span found by the math tokenizers. */
interface MathToken extends Tokens.Generic {
  type: "math";
  tex: string;
  display: boolean;
}

function createMarkdown(options: MarkdownOptions): Marked {
  const macros = options.macros ?? {};
  const rewriteHref = options.rewriteHref ?? ((href: string) => href);
  const slugs = new Map<string, number>();
  const math = (tex: string, display: boolean): string =>
    katex.renderToString(tex, {
      displayMode: display,
      throwOnError: false,
      strict: "ignore",
      macros,
    });

  const marked = new Marked({ gfm: true });
  marked.use({
    extensions: [
      {
        name: "math",
        level: "block",
        start: (src: string) => src.match(/^ {0,3}(\$\$|\\begin\{)/m)?.index,
        tokenizer(src: string): MathToken | undefined {
          const match = /^ {0,3}\$\$([\s\S]+?)\$\$[ \t]*(?:\n+|$)/.exec(src) ??
            /^ {0,3}(\\begin\{([a-zA-Z]+\*?)\}[\s\S]+?\\end\{\2\})[ \t]*(?:\n+|$)/
              .exec(src);
          if (!match) return undefined;
          return { type: "math", raw: match[0], tex: match[1], display: true };
        },
        renderer: (token) => math((token as MathToken).tex, true) + "\n",
      },
      {
        name: "math",
        level: "inline",
        start: (src: string) => src.match(/(?<!\\)\$/)?.index,
        tokenizer(src: string): MathToken | undefined {
          const display = /^\$\$((?:\\[\s\S]|[^\\$])+?)\$\$/.exec(src);
          if (display) {
            return {
              type: "math",
              raw: display[0],
              tex: display[1],
              display: true,
            };
          }
          // Pandoc's rule: no space inside the dollars, no digit right after
          // the closing one, so "$5 or $6" stays text; no backtick inside, so
          // a `$x$` code span stays code.
          const inline = /^\$(?!\s)((?:\\[\s\S]|[^\\$`])+?)\$(?!\d)/.exec(src);
          if (!inline || /\s$/.test(inline[1])) return undefined;
          return {
            type: "math",
            raw: inline[0],
            tex: inline[1],
            display: false,
          };
        },
        renderer: (token) =>
          math((token as MathToken).tex, (token as MathToken).display),
      },
    ],
    renderer: {
      heading({ tokens, depth }) {
        const base =
          plainText(tokens).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-")
            .replace(/^-|-$/g, "") || "section";
        const seen = slugs.get(base) ?? 0;
        slugs.set(base, seen + 1);
        const id = seen ? `${base}-${seen}` : base;
        return `<h${depth} id="${id}">${
          this.parser.parseInline(tokens)
        }</h${depth}>\n`;
      },
      code({ text, lang }) {
        return highlight(text, lang ?? "");
      },
    },
    walkTokens(token) {
      if (token.type === "link" || token.type === "image") {
        token.href = rewriteHref(token.href);
      }
    },
  });
  return marked;
}

// ---------------------------------------------------------------------------
// Code and outputs

/** A `<pre><code>` block, highlighted when highlight.js knows the language. */
function highlight(code: string, language: string): string {
  const known = hljs.getLanguage(language) ? language : "";
  const html = known
    ? hljs.highlight(code, { language: known, ignoreIllegals: true }).value
    : escapeHtml(code);
  const classes = known ? `hljs language-${known}` : "hljs";
  return `<pre><code class="${classes}">${html}</code></pre>\n`;
}

/** Which representation of a rich output is shown, best first (as nbconvert). */
const MIME_ORDER = [
  "text/html",
  "image/svg+xml",
  "image/png",
  "image/jpeg",
  "image/gif",
  "text/markdown",
  "text/plain",
];

function renderOutputs(outputs: Output[]): string {
  const html: string[] = [];
  for (let i = 0; i < outputs.length; i++) {
    const output = outputs[i];
    if (output.output_type === "stream") {
      // Consecutive writes to one stream read as one block.
      let text = joinLines(output.text);
      while (
        outputs[i + 1]?.output_type === "stream" &&
        outputs[i + 1].name === output.name
      ) {
        text += joinLines(outputs[++i].text);
      }
      const name = output.name === "stderr" ? "stderr" : "stdout";
      html.push(
        `<pre class="output ${name}">${
          escapeHtml(stripAnsiCode(text).replace(/\n$/, ""))
        }</pre>`,
      );
    } else if (output.output_type === "error") {
      const text = output.traceback?.length
        ? output.traceback.join("\n")
        : `${output.ename}: ${output.evalue}`;
      html.push(
        `<pre class="output error">${escapeHtml(stripAnsiCode(text))}</pre>`,
      );
    } else {
      html.push(renderRichOutput(output.data ?? {}));
    }
  }
  return html.length
    ? `<div class="outputs">\n${html.join("\n")}\n</div>\n`
    : "";
}

function renderRichOutput(data: Record<string, unknown>): string {
  const mime = MIME_ORDER.find((type) => type in data);
  const value = mime ? joinLines(data[mime]) : "";
  switch (mime) {
    case "text/html":
      return `<div class="output html">${value}</div>`;
    case "image/svg+xml":
      return `<div class="output svg">${
        value.replace(/<\?xml[^>]*\?>|<!DOCTYPE[^>]*>/gi, "")
      }</div>`;
    case "image/png":
    case "image/jpeg":
    case "image/gif":
      return `<div class="output image"><img alt="" src="data:${mime};base64,${
        value.replace(/\s+/g, "")
      }"></div>`;
    case "text/markdown":
      return `<div class="output markdown">${renderMarkdown(value)}</div>`;
    case "text/plain":
      return `<pre class="output result">${
        escapeHtml(stripAnsiCode(value))
      }</pre>`;
    default:
      return "";
  }
}

// ---------------------------------------------------------------------------
// Links and files

/**
 * Rewrites a markdown link written relative to the notebooks so it works from
 * the book: `02_x.ipynb#y` → `02_x.html#y`, `../lib/demo/model.ts` → a path from
 * `outDir`. Absolute URLs, `data:` URLs and in-page anchors stay as they are.
 */
function relinkHref(
  href: string,
  context: {
    notebooksDir: string;
    outDir: string;
    pageNames: Map<string, string>;
  },
): string {
  if (/^([a-z][a-z0-9+.-]*:|#|\/)/i.test(href)) return href;
  const [, path, rest] = /^([^?#]*)(.*)$/.exec(href)!;
  if (!path) return href;
  const target = resolve(context.notebooksDir, decodeURI(path));
  const page = dirname(target) === context.notebooksDir
    ? context.pageNames.get(basename(target))
    : undefined;
  if (page) return page + rest;
  return encodeURI(relative(context.outDir, target).split(sep).join("/")) +
    rest;
}

/** Copies KaTeX's stylesheet and fonts next to the pages. */
async function copyKatexAssets(targetDir: string): Promise<void> {
  const moduleUrl = import.meta.resolve("katex");
  if (!moduleUrl.startsWith("file:")) {
    throw new Deno.errors.NotFound(
      `KaTeX resolved to ${moduleUrl}, not a local file: run \`deno install\` so its stylesheet and fonts can be copied`,
    );
  }
  const distDir = dirname(fileURLToPath(moduleUrl));
  await Deno.mkdir(join(targetDir, "fonts"), { recursive: true });
  await Deno.copyFile(
    join(distDir, "katex.min.css"),
    join(targetDir, "katex.min.css"),
  );
  for await (const entry of Deno.readDir(join(distDir, "fonts"))) {
    if (entry.isFile) {
      await Deno.copyFile(
        join(distDir, "fonts", entry.name),
        join(targetDir, "fonts", entry.name),
      );
    }
  }
}

/** Deletes chapter pages left over from notebooks that were renamed or removed. */
async function removeStalePages(
  outDir: string,
  current: Set<string>,
): Promise<void> {
  for await (const entry of Deno.readDir(outDir)) {
    if (
      entry.isFile && /^\d+_.+\.html$/.test(entry.name) &&
      !current.has(entry.name)
    ) {
      await Deno.remove(join(outDir, entry.name));
    }
  }
}

// ---------------------------------------------------------------------------
// Pages

/** The one stylesheet, inlined into every page (KaTeX's own comes beside it). */
const STYLESHEET = `
:root { --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --code: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main, .pager, footer { max-width: 52rem; margin: 0 auto; padding: 0 1.25rem; }
a { color: var(--accent); }
h1, h2, h3 { line-height: 1.25; }
.pager { display: flex; justify-content: space-between; gap: 1rem; padding-top: .75rem; padding-bottom: .75rem; border-bottom: 1px solid var(--rule); font-size: .9rem; }
.pager.bottom { border-bottom: 0; border-top: 1px solid var(--rule); margin-top: 2rem; }
.pager a { text-decoration: none; }
.pager span { flex: 1; }
.pager span:nth-child(2) { text-align: center; }
.pager span:last-child { text-align: right; }
.cell { margin: 1rem 0; }
pre { margin: 0; padding: .75rem 1rem; overflow-x: auto; font: 13.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.cell.code > pre, .markdown pre { background: var(--code); border: 1px solid var(--rule); border-radius: 6px; }
:not(pre) > code { background: var(--code); padding: .1em .3em; border-radius: 4px; font-size: .9em; }
.outputs { margin: .25rem 0 0 0; padding-left: .75rem; border-left: 3px solid var(--rule); }
.output { margin: .25rem 0; overflow-x: auto; }
pre.output { padding: .25rem 0; }
pre.stderr, pre.error { background: #fff1f0; padding: .25rem .5rem; }
.output svg, .output img { max-width: 100%; height: auto; }
.output figure { margin: .5rem 0; }
.output figure h2 { font-size: 1.1rem; margin: .75rem 0 .25rem; }
.output figure h3 { font-size: .95rem; font-weight: normal; color: var(--muted); margin: 0 0 .5rem; }
.katex-display:not(:has(.katex-tag)) { overflow-x: auto; overflow-y: hidden; padding: .25rem 0; }
table { border-collapse: collapse; } th, td { border: 1px solid var(--rule); padding: .25rem .6rem; }
.chapters { padding-left: 0; list-style: none; }
.chapters li { margin: 1rem 0; }
.chapters a { font-size: 1.15rem; font-weight: 600; text-decoration: none; }
.chapters p { margin: .2rem 0; color: var(--muted); }
footer { color: var(--muted); font-size: .85rem; padding-bottom: 2rem; }
.hljs-keyword, .hljs-built_in, .hljs-type { color: #cf222e; }
.hljs-string, .hljs-regexp { color: #0a3069; }
.hljs-number, .hljs-literal, .hljs-attr { color: #0550ae; }
.hljs-comment { color: #6e7781; font-style: italic; }
.hljs-title, .hljs-title.function_, .hljs-title.class_ { color: #8250df; }
.hljs-params, .hljs-variable { color: var(--ink); }
`.trim();

function pageShell(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="katex/katex.min.css">
<style>
${STYLESHEET}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function indexPage(bookTitle: string, chapters: Chapter[]): string {
  const items = chapters.map((chapter) =>
    `<li><a href="${chapter.file}">${chapter.titleHtml}</a>${
      chapter.summaryHtml ? `<p>${chapter.summaryHtml}</p>` : ""
    }</li>`
  ).join("\n");
  return pageShell(
    bookTitle,
    `<main>
<h1>${escapeHtml(bookTitle)}</h1>
<p>The tutorial's notebooks with their outputs, one page per chapter. Read them in order; to run and change the code, open the notebooks in Jupyter (<code>deno task tutorial</code>).</p>
<ol class="chapters">
${items}
</ol>
</main>
<footer>Built from <code>notebooks/</code> by <code>deno task book</code>.</footer>`,
  );
}

function chapterPage(
  bookTitle: string,
  chapter: Chapter,
  previous: Chapter | undefined,
  next: Chapter | undefined,
): string {
  const pager = (where: string): string =>
    `<nav class="pager ${where}"><span>${
      previous
        ? `<a rel="prev" href="${previous.file}">← ${previous.titleHtml}</a>`
        : ""
    }</span><span><a href="index.html">Contents</a></span><span>${
      next ? `<a rel="next" href="${next.file}">${next.titleHtml} →</a>` : ""
    }</span></nav>`;
  return pageShell(
    `${chapter.title} · ${bookTitle}`,
    `${pager("top")}
<main>
${chapter.body}
</main>
${pager("bottom")}
<footer>Rendered from <code>notebooks/${
      escapeHtml(chapter.notebook)
    }</code>.</footer>`,
  );
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const pages = await buildBook({
    notebooksDir: join(root, "notebooks"),
    outDir: join(root, "book"),
  });
  console.log(
    `Wrote ${pages.length} pages (${
      pages.length - 1
    } chapters). Open book/index.html in a browser.`,
  );
}
