/**
 * The inline script and style of the interactive attention views
 * (lib/charts/interactive.ts), as text. The script turns every view on the
 * page that has not been set up yet into a live view: it reads the view's
 * embedded JSON, inlines its fallback pictures as live SVG, hides the
 * fallback, and redraws weights on hover, click and arrow keys. Everything is
 * looked up inside the view's root element, so views never share state.
 * @module
 */

import { MAX_DIMENSIONS, NEGATIVE, POSITIVE } from "./_interactive_svg.ts";
import { SIZE_COLORS } from "./common.ts";

/** Styles shared by every view (identical in every output, so repeats are harmless). */
export const VIEW_STYLE: string =
  `[data-attention-view]{font-family:sans-serif;font-size:12px;color:#222;outline-offset:2px}
[data-attention-view] [data-query],[data-attention-view] [data-key],[data-attention-view] [role=button]{cursor:pointer}
[data-attention-view] [role=button]:focus{outline:2px solid #000}
[data-attention-view] .attention-view-title{font-weight:bold;margin:4px 0}
[data-attention-view] .attention-view-help{color:#555;margin:2px 0 6px}`;

/** The script: plain ES5-style JavaScript, run by the browser (not by Deno). */
export const VIEW_SCRIPT: string = `(function () {
  "use strict";
  var COLORS = ${JSON.stringify(SIZE_COLORS)};
  var POSITIVE = "${POSITIVE}", NEGATIVE = "${NEGATIVE}";
  var MAX_DIMENSIONS = ${MAX_DIMENSIONS};
  function fmt(v) {
    var t = v.toFixed(3);
    return Number(t) === 0 ? "0.000" : t.replace("-", "\\u2212");
  }
  function all(node, selector) {
    return Array.prototype.slice.call(node.querySelectorAll(selector));
  }
  function num(node, name) { return Number(node.getAttribute(name)); }
  function color(h) { return COLORS[h % COLORS.length]; }
  function setText(node, text) {
    for (var c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) { c.nodeValue = text; return; }
    }
    node.insertBefore(document.createTextNode(text), node.firstChild);
  }
  function init(root) {
    var json = root.querySelector("script[data-weights]");
    if (json === null || root.hasAttribute("data-ready")) return;
    root.setAttribute("data-ready", "");
    var data = JSON.parse(json.textContent);
    var kind = root.getAttribute("data-attention-view");
    all(root, "[data-fallback]").forEach(function (fallback) {
      var img = fallback.querySelector("img");
      var src = img.getAttribute("src");
      var live = document.createElement("div");
      live.setAttribute("data-live", img.getAttribute("data-picture"));
      live.innerHTML = decodeURIComponent(src.slice(src.indexOf(",") + 1));
      fallback.parentNode.insertBefore(live, fallback);
      fallback.style.display = "none";
    });
    all(root, "[data-help]").forEach(function (e) { e.removeAttribute("hidden"); });
    all(root, "[data-fallback-note]").forEach(function (e) { e.style.display = "none"; });
    var heads = data.weights[0].length, T = data.tokens.length;
    var state = {
      layer: num(root, "data-layer"),
      head: num(root, "data-head"),
      heads: JSON.parse(root.getAttribute("data-heads")),
      query: num(root, "data-selected-query"),
      key: num(root, "data-selected-key")
    };
    function rowY(mark, attribute, i) {
      var t = mark.ownerSVGElement.querySelector("[" + attribute + "='" + i + "']");
      return num(t, "y");
    }
    function update() {
      var L = state.layer, H = state.head, i = state.query;
      var w = data.weights[L];
      root.setAttribute("data-layer", L);
      root.setAttribute("data-head", H);
      root.setAttribute("data-heads", JSON.stringify(state.heads));
      root.setAttribute("data-selected-query", i);
      root.setAttribute("data-selected-key", state.key);
      all(root, "[data-layer-button]").forEach(function (g) {
        var on = num(g, "data-layer-button") === L;
        g.setAttribute("aria-pressed", String(on));
        g.querySelector("rect").setAttribute("fill", on ? "#333" : "#fff");
        g.querySelector("text").setAttribute("fill", on ? "#fff" : "#333");
      });
      all(root, "[data-head-button]").forEach(function (g) {
        var h = num(g, "data-head-button"), on = state.heads.indexOf(h) >= 0;
        g.setAttribute("aria-pressed", String(on));
        g.querySelector("rect").setAttribute("fill-opacity", on ? "1" : "0.15");
        g.querySelector("rect").setAttribute("stroke-width", h === H ? "2.5" : "1");
        g.querySelector("text").setAttribute("fill", on ? "#000" : "#777");
      });
      all(root, "[data-query-mark]").forEach(function (r) {
        r.setAttribute("y", rowY(r, "data-query", i) - 13);
      });
      all(root, "[data-query]").forEach(function (t) {
        t.setAttribute("font-weight", num(t, "data-query") === i ? "bold" : "normal");
      });
      all(root, "[data-matrix-frame]").forEach(function (r) {
        var g = r.parentNode;
        var open = num(g, "data-matrix-layer") === L && num(g, "data-matrix-head") === H;
        r.setAttribute("stroke", open ? "#000" : "#ccc");
        r.setAttribute("stroke-width", open ? "2" : "1");
      });
      if (kind === "qk") updatePair(w[H]); else updateLines(w);
    }
    function updateLines(w) {
      var i = state.query, H = state.head, q = data.tokens[i];
      all(root, "[data-line-head]").forEach(function (g) {
        var h = num(g, "data-line-head");
        g.setAttribute("display", state.heads.indexOf(h) >= 0 ? "inline" : "none");
        all(g, "line").forEach(function (line) {
          var j = num(line, "data-line-key");
          line.setAttribute("y1", rowY(line, "data-query", i) - 4);
          line.setAttribute("stroke-opacity", String(w[h][i][j]));
          line.querySelector("title").textContent = "head " + h + ": " + q +
            " \\u2192 " + data.tokens[j] + " " + fmt(w[h][i][j]);
        });
      });
      all(root, "[data-key]").forEach(function (t) {
        var j = num(t, "data-key");
        t.setAttribute("data-weight", String(w[H][i][j]));
        t.querySelector("title").textContent = q + " \\u2192 " + data.tokens[j] +
          ": " + state.heads.map(function (h) {
            return "head " + h + " " + fmt(w[h][i][j]);
          }).join(", ");
      });
      all(root, "[data-key-value]").forEach(function (t) {
        t.textContent = fmt(w[H][i][num(t, "data-key-value")]);
        t.setAttribute("fill", color(H));
      });
    }
    function updatePair(w) {
      var i = state.query, jSel = state.key, H = state.head;
      var q = data.q[state.layer][H], k = data.k[state.layer][H];
      function score(j) {
        var s = 0;
        for (var d = 0; d < q[i].length; d++) s += q[i][d] * k[j][d];
        return s * data.scale;
      }
      all(root, "[data-key]").forEach(function (t) {
        var j = num(t, "data-key");
        t.setAttribute("data-weight", String(w[i][j]));
        t.setAttribute("font-weight", j === jSel ? "bold" : "normal");
        t.querySelector("title").textContent = data.tokens[i] + " \\u2192 " +
          data.tokens[j] + ": score " + fmt(score(j)) + ", weight " + fmt(w[i][j]);
      });
      all(root, "[data-key-mark]").forEach(function (r) {
        r.setAttribute("y", rowY(r, "data-key", jSel) - 13);
      });
      all(root, "[data-key-score]").forEach(function (t) {
        t.textContent = fmt(score(num(t, "data-key-score")));
      });
      all(root, "[data-key-bar]").forEach(function (r) {
        r.setAttribute("width", String(100 * w[i][num(r, "data-key-bar")]));
        r.setAttribute("fill", color(H));
      });
      all(root, "[data-key-value]").forEach(function (t) {
        t.textContent = fmt(w[i][num(t, "data-key-value")]);
      });
      all(root, "[data-pair]").forEach(function (t) {
        t.textContent = data.tokens[i] + " \\u00b7 " + data.tokens[jSel];
      });
      var dims = pairDimensions(q[i], k[jSel]);
      all(root, "[data-dim]").forEach(function (t) {
        t.textContent = String(dims[num(t, "data-dim")]);
      });
      [["data-q", function (d) { return q[i][d]; }],
       ["data-k", function (d) { return k[jSel][d]; }],
       ["data-prod", function (d) { return q[i][d] * k[jSel][d]; }]
      ].forEach(function (pair) {
        all(root, "[" + pair[0] + "]").forEach(function (t) {
          var v = pair[1](dims[num(t, pair[0])]);
          t.textContent = fmt(v);
          t.setAttribute("fill", v < 0 ? NEGATIVE : POSITIVE);
        });
      });
      var rest = 0;
      for (var d = 0; d < q[i].length; d++) {
        if (dims.indexOf(d) < 0) rest += q[i][d] * k[jSel][d];
      }
      all(root, "[data-rest]").forEach(function (t) {
        t.textContent = "other " + (q[i].length - dims.length) + " dimensions: " + fmt(rest);
      });
      var s = score(jSel);
      all(root, "[data-dot]").forEach(function (t) {
        t.textContent = "q \\u00b7 k = " + fmt(s / data.scale);
      });
      all(root, "[data-score]").forEach(function (t) {
        t.textContent = "\\u00d7 " + fmt(data.scale) + " = score " + fmt(s);
      });
      all(root, "[data-pair-weight]").forEach(function (t) {
        t.textContent = "softmax over keys \\u2192 weight " + fmt(w[i][jSel]);
      });
    }
    function pairDimensions(a, b) {
      var dims = a.map(function (_, d) { return d; });
      if (a.length <= MAX_DIMENSIONS) return dims;
      return dims.sort(function (x, y) {
        return Math.abs(a[y] * b[y]) - Math.abs(a[x] * b[x]) || x - y;
      }).slice(0, MAX_DIMENSIONS);
    }
    function clamp(v, n) { return Math.max(0, Math.min(n - 1, v)); }
    function toggleHead(h, only) {
      var at = state.heads.indexOf(h);
      if (only || kind === "qk") state.heads = [h];
      else if (at < 0) state.heads = state.heads.concat([h]).sort();
      else if (h === state.head && state.heads.length > 1) {
        state.heads.splice(at, 1);
      }
      state.head = state.heads.indexOf(h) >= 0 ? h : state.heads[0];
    }
    function act(target, click) {
      var node;
      if ((node = target.closest("[data-query]")) && root.contains(node)) {
        state.query = num(node, "data-query");
      } else if (kind === "qk" && (node = target.closest("[data-key]"))) {
        state.key = num(node, "data-key");
      } else if (!click) {
        return;
      } else if ((node = target.closest("[data-head-button]"))) {
        toggleHead(num(node, "data-head-button"), false);
      } else if ((node = target.closest("[data-layer-button]"))) {
        state.layer = num(node, "data-layer-button");
      } else if ((node = target.closest("[data-matrix-layer]"))) {
        state.layer = num(node, "data-matrix-layer");
        toggleHead(num(node, "data-matrix-head"), true);
      } else {
        return;
      }
      update();
    }
    root.addEventListener("mouseover", function (e) { act(e.target, false); });
    root.addEventListener("click", function (e) { act(e.target, true); });
    root.addEventListener("dblclick", function (e) {
      var node = e.target.closest("[data-head-button]");
      if (node) { toggleHead(num(node, "data-head-button"), true); update(); }
    });
    root.addEventListener("keydown", function (e) {
      var handled = true;
      if (e.key === "ArrowDown") state.query = clamp(state.query + 1, T);
      else if (e.key === "ArrowUp") state.query = clamp(state.query - 1, T);
      else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        var step = e.key === "ArrowRight" ? 1 : -1;
        if (kind === "qk") state.key = clamp(state.key + step, T);
        else toggleHead((state.head + step + heads) % heads, true);
      } else if ((e.key === "Enter" || e.key === " ") && e.target !== root) {
        act(e.target, true);
        e.preventDefault();
        e.stopPropagation();
        return;
      } else handled = false;
      if (!handled) return;
      e.preventDefault();
      e.stopPropagation();
      update();
    });
    update();
  }
  function scan() {
    all(document, "[data-attention-view]:not([data-ready])").forEach(init);
  }
  scan();
  // Classic Notebook runs an output's scripts before it attaches the output
  // to the page: look again once it is attached.
  setTimeout(scan, 0);
})();`;
