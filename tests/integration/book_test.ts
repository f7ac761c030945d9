import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildBook, renderMarkdown } from "../../tools/book.ts";

const NOTEBOOKS_DIR = fileURLToPath(
  new URL("../../notebooks", import.meta.url),
);

/** The chapter notebooks as committed, in order, read independently of lib. */
async function readChapters(): Promise<
  {
    name: string;
    cells: {
      cell_type: string;
      source: string | string[];
      outputs?: { data?: Record<string, unknown> }[];
    }[];
  }[]
> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(NOTEBOOKS_DIR)) {
    if (entry.isFile && /^A?\d+_.+\.ipynb$/.test(entry.name)) {
      names.push(entry.name);
    }
  }
  names.sort();
  return await Promise.all(names.map(async (name) => ({
    name,
    ...JSON.parse(await Deno.readTextFile(join(NOTEBOOKS_DIR, name))),
  })));
}

function text(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

/** Outputs that hold a chart: an SVG image, or HTML with an `<svg>` in it. */
function countCharts(
  cells: { outputs?: { data?: Record<string, unknown> }[] }[],
): number {
  return cells.flatMap((cell) => cell.outputs ?? []).filter((output) =>
    output.data !== undefined &&
    ("image/svg+xml" in output.data ||
      text(output.data["text/html"]).includes("<svg"))
  ).length;
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** `<script src>`, `<link href>`, `<img src>` … or CSS `url()` that reach the network. */
const REMOTE_REFERENCE =
  /<(script|link|img|iframe|source|video|audio|embed)\b[^>]*\b(src|href|srcset)\s*=\s*["']?\s*(https?:)?\/\/|url\(\s*["']?\s*(https?:)?\/\/|@import\s+["']?(https?:)?\/\//i;

Deno.test("the book renders every chapter notebook to an offline page", async (t) => {
  const chapters = await readChapters();
  assert(
    chapters.length > 0,
    `no chapter notebooks (NN_name.ipynb) in ${NOTEBOOKS_DIR}`,
  );
  const outDir = await Deno.makeTempDir({ prefix: "book_test_" });
  try {
    const pages = await buildBook({ notebooksDir: NOTEBOOKS_DIR, outDir });
    const index = await Deno.readTextFile(join(outDir, "index.html"));
    const pageFiles = chapters.map((chapter) =>
      chapter.name.replace(/\.ipynb$/, ".html")
    );

    await t.step("one page per chapter, after the index", () => {
      assertEquals(
        pages.map((page) => page.path),
        [join(outDir, "index.html"), ...pageFiles.map((f) => join(outDir, f))],
      );
    });

    await t.step("the index links the chapters in order with titles", () => {
      const links = [...index.matchAll(/<a href="([^"]+\.html)">/g)]
        .map((match) => match[1]);
      assertEquals(links, pageFiles);
      for (const page of pages.slice(1)) {
        assert(page.title.length > 0, `${page.path} has no title`);
      }
    });

    await t.step(
      "each page holds its charts and links its neighbours",
      async () => {
        for (const [i, chapter] of chapters.entries()) {
          const html = await Deno.readTextFile(join(outDir, pageFiles[i]));
          const charts = countCharts(chapter.cells);
          assert(
            count(html, "<svg") >= charts,
            `${pageFiles[i]}: ${
              count(html, "<svg")
            } <svg> for ${charts} chart outputs`,
          );
          assertStringIncludes(html, `href="index.html"`);
          if (i > 0) assertStringIncludes(html, `href="${pageFiles[i - 1]}"`);
          if (i < chapters.length - 1) {
            assertStringIncludes(html, `href="${pageFiles[i + 1]}"`);
          }
        }
      },
    );

    await t.step("math is typeset by KaTeX without errors", async () => {
      for (const [i, chapter] of chapters.entries()) {
        const html = await Deno.readTextFile(join(outDir, pageFiles[i]));
        assert(!html.includes("katex-error"), `${pageFiles[i]}: a KaTeX error`);
        const hasMath = chapter.cells.some((cell) =>
          cell.cell_type === "markdown" &&
          /\$(?![\s\d])[^$]+\$/.test(text(cell.source))
        );
        if (hasMath) {
          assertStringIncludes(html, `class="katex"`, pageFiles[i]);
        }
      }
      const fonts = [...Deno.readDirSync(join(outDir, "katex", "fonts"))];
      assert(fonts.some((font) => font.name.endsWith(".woff2")));
      assert(Deno.statSync(join(outDir, "katex", "katex.min.css")).isFile);
    });

    await t.step("nothing refers to the network", async () => {
      for (const page of ["index.html", ...pageFiles, "katex/katex.min.css"]) {
        const content = await Deno.readTextFile(join(outDir, page));
        const remote = REMOTE_REFERENCE.exec(content);
        assertEquals(remote?.[0], undefined, `${page} loads from the network`);
      }
    });
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("markdown math: inline, display, and dollars that are money", () => {
  const html = renderMarkdown(
    "Scores $s_i$ and\n\n$$\nw = \\frac{1}{n}\n$$\n\ncost $5 or $6, `$x$` and \\$y.",
  );
  assertEquals(count(html, `<span class="katex">`), 2);
  assertEquals(count(html, `class="katex-display"`), 1);
  assertStringIncludes(html, "cost $5 or $6");
  assertStringIncludes(html, "<code>$x$</code>");
  assertStringIncludes(html, "$y.");
});

Deno.test("markdown links to notebooks can be rewritten to pages", () => {
  const html = renderMarkdown("[next](02_x.ipynb#top)", {
    rewriteHref: (href) => href.replace(".ipynb", ".html"),
  });
  assertStringIncludes(html, `href="02_x.html#top"`);
});
