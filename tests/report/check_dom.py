#!/usr/bin/env python3
"""Checks the DOM of a report as headless Chromium left it (--dump-dom), against
the fit directory it was made from: every plot is there with the marks the data
call for, the page's script ran to its end and recorded no error, and nothing
refers to the network.  Usage: check_dom.py DOM.html KIND FIT_DIR
KIND: logistic | lda | gmm | vae.  Prints one line per failed check; exit 1 if any."""
import json
import math
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, dict(attrs), parent, [], ""

    def classes(self):
        return self.attrs.get("class", "").split()

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find_all(self, tag=None, cls=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes())
                and all(n.attrs.get(k) == v for k, v in attrs.items())]

    def by_id(self, id_):
        found = self.find_all(id=id_)
        return found[0] if found else None

    def all_text(self):
        return self.text + "".join(c.all_text() for c in self.children)


class Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.text += data


failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def main():
    dom_path, kind, fit_dir = sys.argv[1:4]
    text = open(dom_path, encoding="utf-8").read()
    b = Builder()
    b.feed(text)
    root = b.root

    # ---- the page itself --------------------------------------------------------
    body = root.find_all("body")
    check(len(body) == 1, "no <body>")
    if not body:
        return
    body = body[0]
    check(body.attrs.get("data-js-ready") == "1", "the page script did not run to its end (data-js-ready != 1)")
    check(body.attrs.get("data-js-errors") == "0", f"JavaScript errors: data-js-errors={body.attrs.get('data-js-errors')}")
    errors = root.by_id("js-errors")
    check(errors is not None and errors.all_text().strip() == "",
          "js-errors is not empty: " + (errors.all_text().strip()[:200] if errors else "(missing)"))
    urls = set(re.findall(r"(?:https?|ftp)://[^\s\"'<>)]+", text)) - {"http://www.w3.org/2000/svg"}
    check(not urls, f"refers to the network: {sorted(urls)[:5]}")
    check(not root.find_all("link") and all("src" not in s.attrs for s in root.find_all("script")),
          "external <link> or <script src>")
    for section in ["diagnostics", "trace", "settings"]:
        node = root.by_id(section)
        check(node is not None and node.tag == "section", f"no section #{section}")

    def svg(id_, what):
        node = root.by_id(id_)
        check(node is not None and node.tag == "svg", f"no <svg id={id_}> ({what})")
        return node

    def polyline_points(node):
        return sum(len(p.attrs.get("points", "").split()) for p in node.find_all("polyline"))

    if kind == "logistic":
        s = json.load(open(f"{fit_dir}/summary.json"))
        header = next(l for l in open(f"{fit_dir}/draws.csv") if not l.startswith("#")).strip().split(",")
        params = [c for c in header if not c.endswith("__")]
        trace = svg("elbo-trace", "ELBO trace")
        if trace is not None:
            want = sum(1 for t in s["elbo_trace"] if isinstance(t.get("elbo"), (int, float)) and math.isfinite(t["elbo"]))
            check(polyline_points(trace) == want, f"elbo-trace has {polyline_points(trace)} points, summary.json {want}")
        grid = root.by_id("marginal-grid")
        n_grid = len(grid.find_all("svg", cls="marginal-chart")) if grid else 0
        check(n_grid == min(len(params), 24), f"{n_grid} marginal charts in the grid for {len(params)} parameters")
        if grid:
            for chart in grid.find_all("svg", cls="marginal-chart"):
                check(chart.find_all("rect", cls="bar") and chart.find_all("polyline", cls="kde"),
                      f"marginal {chart.attrs.get('id')} lacks histogram bars or its KDE")
            titles = [c.find_all("text", cls="chart-title")[0].all_text() for c in grid.find_all("svg", cls="marginal-chart")]
            # titled by the column, with the regression's feature name after it: "beta.1 (mean_radius)"
            check([t.split(" (")[0] for t in titles] == params[:24],
                  f"marginal titles {titles[:3]}... are not draws.csv's {params[:3]}...")
            features = {c["column"]: c["feature"] for c in s.get("data", {}).get("scaling", [])}
            check(all(t == p or t == f"{p} ({features.get(p)})" for t, p in zip(titles, params)),
                  f"marginal titles {titles[:3]}... lack the features of data.scaling")
        if len(params) > 24:
            select = root.by_id("marginal-select")
            check(select is not None and select.tag == "select", "no parameter <select> beyond 24")
            if select is not None:
                options = [o.attrs.get("value") for o in select.find_all("option")]
                check(options == params[24:], f"select lists {options[:3]}..., want {params[24:27]}...")
            panels = root.find_all(cls="marginal-panel")
            visible = [p for p in panels if "hidden" not in p.attrs]
            check(len(panels) == len(params) - 24, f"{len(panels)} selectable marginals, want {len(params) - 24}")
            check(len(visible) == 1 and visible[0].attrs.get("data-key") == params[24],
                  f"{len(visible)} selectable marginals shown (want the first one only)")
        pair = svg("pair-plot", "pair plot")
        if pair is not None:
            cells = pair.find_all("svg", cls="pair-cell")
            check(len(cells) == 16, f"pair plot has {len(cells)} cells, want 4 x 4")
            rows = [l for l in open(f"{fit_dir}/draws.csv") if l.strip() and not l.startswith("#")]
            draws = len(rows) - 2  # less the header and the mean row
            want = 6 * min(400, draws)  # six scatters below the diagonal
            got = len(pair.find_all("circle", cls="point"))
            check(got == want, f"pair plot has {got} scatter points, want {want}")
        verdict = root.by_id("verdict")
        check(verdict is not None and verdict.all_text() == ("reliable" if s["reliable"] else "not reliable"),
              f"verdict {verdict.all_text() if verdict else None} vs summary.json reliable={s['reliable']}")
        k = root.by_id("k-hat")
        if isinstance(s.get("pareto_k"), (int, float)):
            check(k is not None and f"{s['pareto_k']:.3g}" in k.all_text(), f"k-hat badge {k.all_text() if k else None} "
                  f"does not show {s['pareto_k']:.3g}")
        table = root.find_all("table", cls="posterior-table")
        rows = [r.find_all("td")[0].all_text() for r in table[0].find_all("tr") if r.find_all("td")] if table else []
        check(rows == params, f"posterior table rows {rows[:3]}... are not the parameters")
        check(len(table) == 2, "no original-scale table for the regression")
    elif kind == "lda":
        s = json.load(open(f"{fit_dir}/summary.json"))
        topics = json.load(open(f"{fit_dir}/topics.json"))
        trace = svg("elbo-trace", "LDA ELBO trace")
        if trace is not None:
            check(polyline_points(trace) == len(s["elbo_trace"]), "elbo-trace points != len(elbo_trace)")
        perplexity = svg("perplexity-trace", "held-out perplexity")
        if perplexity is not None:
            want = sum(1 for t in s.get("trace", []) if "perplexity" in t)
            check(want > 0 and polyline_points(perplexity) == want,
                  f"perplexity-trace has {polyline_points(perplexity)} points, summary.json {want}")
        tables = root.find_all("table", cls="topic-words")
        check(len(tables) == len(topics), f"{len(tables)} topic tables for {len(topics)} topics")
        for t, table in zip(topics, tables):
            words = [r.find_all("td")[0].all_text() for r in table.find_all("tr") if r.find_all("td")]
            check(words == t["top_words"], f"topic {t['topic']}: words {words} != topics.json {t['top_words']}")
    elif kind == "gmm":
        s = json.load(open(f"{fit_dir}/gmm.json"))
        scatter = svg("gmm-scatter", "cluster scatter")
        if scatter is not None:
            pts = scatter.find_all("circle", cls="point")
            check(len(pts) == s["rows"], f"gmm-scatter has {len(pts)} points for {s['rows']} rows")
            colours = {c for p in pts for c in p.classes() if re.fullmatch(r"s\d", c)}
            check(len(colours) == 3, f"points coloured by {len(colours)} components, want 3")
            check(len(scatter.find_all("polygon", cls="ellipse")) == 3, "want 3 ellipses")
        weights = svg("gmm-weights", "weights")
        if weights is not None:
            check(len(weights.find_all("rect", cls="weight-bar")) == s["components"], "one weight bar per component")
    elif kind == "vae":
        s = json.load(open(f"{fit_dir}/summary.json"))
        for id_ in ["vae-bound", "vae-kl"]:
            node = svg(id_, "training curve")
            if node is not None:
                check(polyline_points(node) >= len(s["history"]), f"{id_}: fewer points than epochs")
        units = svg("vae-active-units", "active units")
        if units is not None:
            check(len(units.find_all("rect", cls="bar")) == len(s["active_unit_variances"]), "one bar per latent unit")
        for name in s["images"]:
            img = root.by_id("image-" + name.rsplit(".", 1)[0])
            check(img is not None and img.tag == "img" and img.attrs.get("src", "").startswith("data:image/png;base64,iVBOR"),
                  f"image {name} is not embedded as a PNG data: URI")
    else:
        failures.append(f"unknown kind {kind}")


main()
for f in failures:
    print(f"{sys.argv[2]}: {f}")
sys.exit(1 if failures else 0)
