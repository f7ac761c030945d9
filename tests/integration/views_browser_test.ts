/// <reference lib="dom" />
/**
 * The interactive attention views (lib/charts/interactive.ts) in Chromium,
 * where readers meet them:
 *
 * - **Classic Notebook, trusted**: notebooks 06, 08 and 09 run in the browser
 *   (Restart & Run All), then every view on the page is driven: hover each
 *   query, switch heads and layers, open matrices of the model view, hover
 *   keys of the query/key view, press arrow keys. After each move the weights
 *   the keys display (`data-weight` and the printed number) must equal the
 *   view's embedded JSON within 1e-3, the query/key view's dot product and
 *   score must equal the ones computed here from the embedded q and k, and
 *   two views on one page must keep their own state.
 * - **Classic Notebook, untrusted**: the committed notebooks, opened without
 *   running them under a notary that trusts nothing. The sanitiser removes
 *   the scripts; the fallback images must show, and their image-map
 *   tooltips must carry the weights of the committed JSON.
 * - **The book** (tools/book.ts): the same drive as in the trusted notebook,
 *   on the book's pages opened from disk.
 * - **An exported HTML file** (`jupyter nbconvert --to html`): the same drive.
 *
 * No request may leave the page: every request goes to the local Jupyter
 * server or the book's folder (others are aborted and fail the test), and
 * while the views are driven none is made at all but the notebook's own
 * `/api/` calls. A PNG of the first view of each page goes to
 * `screenshots/views-*.png`. Needs Debian's `chromium` and `jupyter-notebook`.
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";
import { buildBook } from "../../tools/book.ts";
import { readNotebook } from "../../tools/jupyter.ts";
import {
  checkTools,
  CHROMIUM,
  CHROMIUM_FLAGS,
  copyTutorial,
  killProcessesMentioning,
  openNotebook,
  type PageWindow,
  type Server,
  shutDownKernel,
  startServer,
  stopServer,
  waitUntilIdle,
} from "./_browser.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** The notebooks that show views, and the fewest views each shows. */
const NOTEBOOKS: Record<string, number> = {
  "06_your_own_sentence.ipynb": 2,
  "08_transformer_block.ipynb": 2,
  "09_a_pretrained_transformer.ipynb": 3,
};
/** `ATTENTION_VIEWS=book` (or `trusted`, `untrusted`, `exported`) runs only that part. */
function part(name: string): boolean {
  const only = Deno.env.get("ATTENTION_VIEWS");
  return only === undefined || only === "" || only === name;
}

/** How far a displayed weight may be from the embedded one. */
const TOLERANCE = 1e-3;

/** A view's embedded data (the contract of lib/charts/interactive.ts). */
interface ViewData {
  tokens: string[];
  weights: number[][][][];
  q?: number[][][][];
  k?: number[][][][];
  scale?: number;
}

Deno.test({
  name:
    "attention views: hover and click in Chromium show the embedded weights, in classic Notebook and the book; the fallback shows untrusted",
  async fn(t) {
    await checkTools();
    const work = await Deno.makeTempDir({ prefix: "attention-views-" });
    const names = Object.keys(NOTEBOOKS);
    let server: Server | undefined;
    let browser: Browser | undefined;
    try {
      await copyTutorial(`${work}/repo/`, names);
      // the same notebooks again, never run: the untrusted ones
      for (const name of names) {
        await Deno.copyFile(
          `${ROOT}notebooks/${name}`,
          `${work}/repo/notebooks/untrusted_${name}`,
        );
      }
      server = await startServer(`${work}/repo/`, `${work}/runtime/`, [
        "--NotebookNotary.db_file=:memory:", // no notebook is trusted until run
      ]);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: CHROMIUM_FLAGS,
        headless: true,
      });
      const bookDir = `${work}/book/`;
      await buildBook({ notebooksDir: `${ROOT}notebooks`, outDir: bookDir });
      // the server, the book, data URIs and the empty page (no network)
      const allowed = [server.url, `file://${bookDir}`, "data:", "about:blank"];

      for (const name of part("trusted") ? names : []) {
        await t.step(`trusted notebook ${name}`, async () => {
          const { context, page, requests } = await openPage(browser!, allowed);
          try {
            await openNotebook(page, server!, name);
            await page.evaluate(() =>
              (globalThis as PageWindow).Jupyter!.notebook!.restart_run_all({
                confirm: false,
              })
            );
            // wait until the run has begun, then until it ends
            await page.waitForFunction(
              () =>
                (globalThis as PageWindow).Jupyter!.notebook!.get_cells()
                  .some((c) => c.input_prompt_number === "*"),
              undefined,
              { timeout: 120_000 },
            ).catch(() => {});
            await waitUntilIdle(page, name);
            await driveViews(page, name, requests, `${server!.url}api/`);
            await screenshotFirst(
              page,
              "[data-attention-view]",
              `notebook-${name}`,
            );
            assertRequestsAllowed(requests, allowed);
            await shutDownKernel(page).catch(() => {});
          } finally {
            await context.close();
          }
        });
      }

      for (const name of part("untrusted") ? names : []) {
        await t.step(`untrusted notebook ${name}: the fallback`, async () => {
          const { context, page, requests } = await openPage(browser!, allowed);
          try {
            await openNotebook(page, server!, `untrusted_${name}`);
            await checkFallback(page, name);
            await screenshotFirst(
              page,
              ".output_html:has(img[usemap])",
              `untrusted-${name}`,
            );
            assertRequestsAllowed(requests, allowed);
            await shutDownKernel(page).catch(() => {});
          } finally {
            await context.close();
          }
        });
      }

      for (const name of part("book") ? names : []) {
        await t.step(`book page ${name}`, async () => {
          const { context, page, requests } = await openPage(browser!, allowed);
          try {
            await page.goto(
              `file://${bookDir}${name.replace(/\.ipynb$/, ".html")}`,
            );
            await driveViews(page, name, requests, undefined);
            await screenshotFirst(
              page,
              "[data-attention-view]",
              `book-${name}`,
            );
            assertRequestsAllowed(requests, allowed);
          } finally {
            await context.close();
          }
        });
      }

      if (part("exported")) {
        const exported = `${work}/exported/`;
        await exportHtml(names.map((n) => `${ROOT}notebooks/${n}`), exported);
        for (const name of names) {
          await t.step(`exported HTML ${name}`, async () => {
            const { context, page, requests } = await openPage(browser!, [
              `file://${exported}`,
              "data:",
              "about:blank",
            ]);
            try {
              await page.goto(
                `file://${exported}${name.replace(/\.ipynb$/, ".html")}`,
              );
              // nbconvert's template asks a CDN for require.js and MathJax
              // (aborted here); the views themselves must ask nothing, which
              // driveViews checks
              await driveViews(page, name, requests, undefined);
            } finally {
              await context.close();
            }
          });
        }
      }
    } finally {
      await browser?.close().catch(console.error);
      if (server !== undefined) await stopServer(server).catch(console.error);
      await killProcessesMentioning(work).catch(console.error);
      await Deno.remove(work, { recursive: true }).catch(console.error);
    }
  },
});

/** `jupyter nbconvert --to html` of the committed notebooks, not executed again. */
async function exportHtml(notebooks: string[], outDir: string): Promise<void> {
  const result = await new Deno.Command("jupyter", {
    args: ["nbconvert", "--to", "html", "--output-dir", outDir, ...notebooks],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(
    result.success,
    `jupyter nbconvert --to html failed: ${
      new TextDecoder().decode(result.stderr).slice(-500)
    }`,
  );
}

/** A PNG of the first element matching `selector`, to `screenshots/views-NAME.png`. */
async function screenshotFirst(page: Page, selector: string, name: string) {
  await Deno.mkdir(`${ROOT}screenshots`, { recursive: true });
  await page.locator(selector).first().screenshot({
    path: `${ROOT}screenshots/views-${name.replace(/\.ipynb$/, "")}.png`,
  });
}

/** A fresh context and page whose every request is recorded; requests outside `allowed` are aborted. */
async function openPage(
  browser: Browser,
  allowed: string[],
): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
  });
  const requests: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  await context.route(
    (url) => !allowed.some((prefix) => url.href.startsWith(prefix)),
    (route) => route.abort(),
  );
  return { context, page: await context.newPage(), requests };
}

function assertRequestsAllowed(requests: string[], allowed: string[]): void {
  const outside = requests.filter((url) =>
    !allowed.some((prefix) => url.startsWith(prefix))
  );
  assertEquals(outside, [], `requests left the page: ${outside.join(", ")}`);
}

// --- the live views ---------------------------------------------------------

/**
 * Drives every view of the page and checks it against its embedded data;
 * no request may be made meanwhile (but the notebook's own `apiPrefix` calls).
 */
async function driveViews(
  page: Page,
  name: string,
  requests: string[],
  apiPrefix: string | undefined,
): Promise<void> {
  const roots = page.locator("[data-attention-view]");
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll("[data-attention-view][data-ready]").length >=
        n,
    NOTEBOOKS[name],
    { timeout: 30_000 },
  );
  const count = await roots.count();
  assert(count >= NOTEBOOKS[name], `${name}: ${count} views`);
  const before = requests.length;
  const views: ViewData[] = [];
  for (let r = 0; r < count; r++) {
    const root = roots.nth(r);
    const data = JSON.parse(
      (await root.locator("script[data-weights]").textContent())!,
    ) as ViewData;
    views.push(data);
    assertEquals(await root.getAttribute("data-ready"), "", "the script ran");
    assert(
      !(await root.locator("[data-fallback] img").first().isVisible()),
      `${name}, view ${r}: the fallback still shows`,
    );
    const kind = await root.getAttribute("data-attention-view");
    const where = `${name}, ${kind} view ${r}`;
    if (kind === "head") await driveHeadView(root, data, where);
    else if (kind === "model") await driveModelView(root, data, where);
    else if (kind === "qk") await driveQueryKeyView(root, data, where);
    else throw new Error(`${where}: unknown kind`);
  }
  // two views on one page: moving one leaves the other as it was
  const [a, b] = [roots.nth(0), roots.nth(1)];
  await hover(a, "data-query", 0);
  const aBefore = await state(a);
  await hover(b, "data-query", views[1].tokens.length - 1);
  assertEquals(await state(a), aBefore, `${name}: view 0 moved with view 1`);
  assertEquals(
    (await state(b)).query,
    views[1].tokens.length - 1,
    `${name}: view 1 did not move`,
  );
  const during = requests.slice(before).filter((url) =>
    apiPrefix === undefined || !url.startsWith(apiPrefix)
  );
  assertEquals(during, [], `${name}: the views made requests`);
}

interface ViewState {
  layer: number;
  head: number;
  query: number;
  key: number;
  /** Per key element, in order: its `data-key`, `data-weight` and printed number. */
  keys: [number, number, number][];
}

/** The view's attributes and what its keys show. */
function state(root: Locator): Promise<ViewState> {
  return root.evaluate((r) => {
    const n = (name: string) => Number(r.getAttribute(name));
    const value = (j: string) =>
      r.querySelector(`[data-live] [data-key-value="${j}"]`)?.textContent ??
        "NaN";
    return {
      layer: n("data-layer"),
      head: n("data-head"),
      query: n("data-selected-query"),
      key: n("data-selected-key"),
      keys: [...r.querySelectorAll("[data-live] [data-key]")].map((k) => {
        const j = k.getAttribute("data-key")!;
        return [
          Number(j),
          Number(k.getAttribute("data-weight")),
          Number(value(j).replace("\u2212", "-")),
        ] as [number, number, number];
      }),
    };
  });
}

async function hover(root: Locator, attribute: string, i: number) {
  await root.locator(`[data-live] [${attribute}="${i}"]`).first().hover();
}

/** The keys show row `query` of `weights[layer][head]`, and the root says so. */
async function assertShows(
  root: Locator,
  data: ViewData,
  want: { layer: number; head: number; query: number },
  where: string,
): Promise<void> {
  const got = await state(root);
  const label =
    `${where}, layer ${want.layer} head ${want.head} query ${want.query}`;
  assertEquals(
    [got.layer, got.head, got.query],
    [want.layer, want.head, want.query],
    `${label}: the root shows another layer, head or query`,
  );
  const row = data.weights[want.layer][want.head][want.query];
  assertEquals(got.keys.map(([j]) => j), row.map((_, j) => j), label);
  for (const [j, weight, printed] of got.keys) {
    assert(
      Math.abs(weight - row[j]) <= TOLERANCE &&
        Math.abs(printed - row[j]) <= TOLERANCE,
      `${label}, key ${j}: shows ${weight} (printed ${printed}), embedded ${
        row[j]
      }`,
    );
  }
}

/** Whether two rows differ somewhere by more than the tolerance: a switch that can be seen. */
function differ(a: number[], b: number[]): boolean {
  return a.some((v, j) => Math.abs(v - b[j]) > 10 * TOLERANCE);
}

async function driveHeadView(root: Locator, data: ViewData, where: string) {
  const T = data.tokens.length;
  const heads = data.weights[0].length;
  let { layer, head } = await state(root);
  for (let i = 0; i < T; i++) {
    await hover(root, "data-query", i);
    await assertShows(root, data, { layer, head, query: i }, where);
  }
  const query = T - 1;
  for (let h = 0; h < heads; h++) {
    if (h === head) continue; // clicking the current head would hide it
    await root.locator(`[data-live] [data-head-button="${h}"]`).click();
    await assertShows(
      root,
      data,
      { layer, head: h, query },
      `${where}, head switched`,
    );
    head = h;
  }
  if (heads > 1) {
    const rows = data.weights[layer].map((m) => m[query]);
    assert(
      rows.some((row) => differ(row, rows[0])),
      `${where}: every head has the same row, switching heads cannot be seen`,
    );
  }
  for (let l = 0; l < data.weights.length && data.weights.length > 1; l++) {
    await root.locator(`[data-live] [data-layer-button="${l}"]`).click();
    layer = l;
    await assertShows(
      root,
      data,
      { layer, head, query },
      `${where}, layer switched`,
    );
  }
  // keyboard: up moves the query, right the head
  await root.focus();
  await root.press("ArrowUp");
  await assertShows(
    root,
    data,
    { layer, head, query: query - 1 },
    `${where}, ArrowUp`,
  );
  await root.press("ArrowRight");
  await assertShows(
    root,
    data,
    { layer, head: (head + 1) % heads, query: query - 1 },
    `${where}, ArrowRight`,
  );
}

async function driveModelView(root: Locator, data: ViewData, where: string) {
  const T = data.tokens.length;
  for (const [l, layer] of data.weights.entries()) {
    for (const h of layer.keys()) {
      await root.locator(
        `[data-live] [data-matrix-layer="${l}"][data-matrix-head="${h}"]`,
      ).click();
      for (const i of [0, Math.floor(T / 2), T - 1]) {
        await hover(root, "data-query", i);
        await assertShows(
          root,
          data,
          { layer: l, head: h, query: i },
          `${where}, matrix opened`,
        );
      }
    }
  }
}

async function driveQueryKeyView(root: Locator, data: ViewData, where: string) {
  const T = data.tokens.length;
  const heads = data.weights[0].length;
  const fmt = (v: number) => {
    const text = v.toFixed(3);
    return Number(text) === 0 ? "0.000" : text.replace("-", "\u2212");
  };
  const { layer } = await state(root);
  for (let h = 0; h < heads; h++) {
    if (heads > 1) {
      await root.locator(`[data-live] [data-head-button="${h}"]`).click();
    }
    for (const i of [0, T - 1]) {
      for (const j of [0, Math.floor(T / 2), T - 1]) {
        await hover(root, "data-query", i);
        await hover(root, "data-key", j);
        const label = `${where}, head ${h}, query ${i}, key ${j}`;
        await assertShows(root, data, { layer, head: h, query: i }, label);
        assertEquals((await state(root)).key, j, label);
        const q = data.q![layer][h][i], k = data.k![layer][h][j];
        const dot = q.reduce((s, v, d) => s + v * k[d], 0);
        const shown = await root.evaluate((r) =>
          ["data-dot", "data-score", "data-pair-weight"].map((a) =>
            r.querySelector(`[data-live] [${a}]`)!.textContent
          )
        );
        assertEquals(shown, [
          `q \u00b7 k = ${fmt(dot)}`,
          `\u00d7 ${fmt(data.scale!)} = score ${fmt(dot * data.scale!)}`,
          `softmax over keys \u2192 weight ${
            fmt(data.weights[layer][h][i][j])
          }`,
        ], label);
      }
    }
  }
  // keyboard: left and right move the key, down the query
  await root.focus();
  await root.press("ArrowLeft");
  assertEquals((await state(root)).key, T - 2, `${where}, ArrowLeft`);
  await root.press("ArrowUp");
  assertEquals((await state(root)).query, T - 2, `${where}, ArrowUp`);
}

// --- the fallback -----------------------------------------------------------

/**
 * In the untrusted notebook no script ran and the sanitiser dropped the
 * weights' JSON, the styles and every `data-` attribute: each view's
 * pictures must show as images, and their image maps' tooltips must carry
 * the weights of the committed notebook's JSON.
 */
async function checkFallback(page: Page, name: string): Promise<void> {
  const trusted = await page.evaluate(() =>
    (globalThis as unknown as { Jupyter: { notebook: { trusted: boolean } } })
      .Jupyter.notebook.trusted
  );
  assertEquals(trusted, false, `${name} opened trusted`);
  // the committed views, in page order: their data and pictures
  const committed = await readNotebook(`${ROOT}notebooks/${name}`);
  const views = committed.cells.flatMap((cell) => cell.outputs ?? [])
    .map((o) => joined(o.data?.["text/html"]))
    .filter((html) => html.includes("data-attention-view="));
  assert(views.length >= NOTEBOOKS[name], `${name}: ${views.length} views`);
  const shown = await page.evaluate(() =>
    [...document.querySelectorAll(".output_html")].filter((area) =>
      area.querySelector("img[usemap]") !== null
    ).map((area) =>
      [...area.querySelectorAll("img[usemap]")].map((img) => {
        const image = img as HTMLImageElement;
        const box = image.getBoundingClientRect();
        const map = area.querySelector(
          `map[name="${image.useMap.slice(1)}"]`,
        );
        const areas = [...(map?.querySelectorAll("area") ?? [])];
        // the area under the centre of the first tooltip's rectangle
        const first = areas[0]?.getAttribute("coords")?.split(",").map(
          Number,
        );
        image.scrollIntoView();
        const at = first === undefined ? null : document.elementFromPoint(
          image.getBoundingClientRect().left + (first[0] + first[2]) / 2,
          image.getBoundingClientRect().top + (first[1] + first[3]) / 2,
        );
        return {
          loaded: image.complete && image.naturalWidth > 0,
          visible: box.width > 0 && box.height > 0 &&
            getComputedStyle(image).display !== "none",
          titles: areas.map((a) => a.getAttribute("title") ?? ""),
          hit: at === areas[0],
        };
      })
    )
  );
  assertEquals(shown.length, views.length, `${name}: views with a fallback`);
  const leftovers = await page.evaluate(() =>
    document.querySelectorAll(
      "[data-live], [data-ready], script[data-weights], .output_html script",
    ).length
  );
  assertEquals(leftovers, 0, `${name}: a script ran or survived the sanitiser`);
  for (const [v, html] of views.entries()) {
    const data = JSON.parse(
      html.match(
        /<script type="application\/json" data-weights="">(.*?)<\/script>/,
      )![1],
    ) as ViewData;
    const attribute = (a: string) =>
      Number(html.match(new RegExp(`${a}="(\\d+)"`))![1]);
    const [layer, head, query] = [
      "data-layer",
      "data-head",
      "data-selected-query",
    ]
      .map(attribute);
    const kind = html.match(/data-attention-view="(\w+)"/)![1];
    for (const [p, picture] of shown[v].entries()) {
      const where = `${name}, ${kind} view ${v}, picture ${p}`;
      assert(
        picture.loaded && picture.visible,
        `${where}: the image does not show`,
      );
      assert(
        picture.hit,
        `${where}: the pointer over a tooltip's area does not reach it`,
      );
      assert(picture.titles.length > 0, `${where}: no tooltips`);
      checkTooltips(picture.titles, data, { layer, head, query }, where);
    }
  }
}

/**
 * Every weight printed in the tooltips equals the embedded one (≤ 1e-3):
 * "a → b: head h w, …" (head view: one per key), "layer l head h, a → t w, …"
 * (model view: one per query row), "a → b: score s, weight w" (query/key).
 */
function checkTooltips(
  titles: string[],
  data: ViewData,
  at: { layer: number; head: number; query: number },
  where: string,
): void {
  const T = data.tokens.length;
  const number = (text: string) => Number(text.replace("\u2212", "-"));
  let checked = 0;
  const near = (got: number, want: number, what: string) => {
    assert(
      Math.abs(got - want) <= TOLERANCE,
      `${where}: ${what} shows ${got}, embedded ${want}`,
    );
    checked++;
  };
  for (const [n, title] of titles.entries()) {
    const row = title.match(/^layer (\d+) head (\d+), /);
    if (row !== null) { // model view: one per query row, in order
      const [l, h, i] = [Number(row[1]), Number(row[2]), n % T];
      const values = [...title.matchAll(/ (−?\d+\.\d{3})(?=, |$)/g)]
        .map((m) => number(m[1]));
      assertEquals(values.length, T, `${where}: ${title}`);
      values.forEach((v, j) =>
        near(v, data.weights[l][h][i][j], `layer ${l} head ${h} [${i}][${j}]`)
      );
      continue;
    }
    const want = data.weights[at.layer];
    const pair = title.match(/: score −?\d+\.\d{3}, weight (\d+\.\d{3})$/);
    if (pair !== null) { // query/key view: one per key, in order
      near(number(pair[1]), want[at.head][at.query][n], `key ${n}`);
      continue;
    }
    // head view: one per key, in order, with every drawn head's weight
    for (const [, h, v] of title.matchAll(/head (\d+) (\d+\.\d{3})/g)) {
      near(number(v), want[Number(h)][at.query][n], `head ${h}, key ${n}`);
    }
  }
  assert(checked >= T, `${where}: only ${checked} weights in the tooltips`);
}

function joined(text: unknown): string {
  return Array.isArray(text) ? text.join("") : String(text ?? "");
}
