"""The drawing page of `scratchnn serve`: draw with a mouse, a pen or a finger; the top classes update live.

One self-contained HTML page (inline CSS and JavaScript, no external files).
Strokes are drawn in black on a white 280x280 canvas with Pointer Events
(which cover mouse, pen and touch; `touch-action: none` keeps a finger from
scrolling the page). While drawing, the canvas is POSTed to `/predict` as a
PNG, one request at a time: when a stroke moves while a request is out, one
more request follows it, so the answer keeps up without queueing.
"""

from __future__ import annotations

import html
import json

import numpy as np

from scratchnn.apps.reports.html import png_uri
from scratchnn.apps.reports.png import gray_png

_STYLE = """
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 1.2em 1.5em;
       max-width: 880px; color: #222; }
h1 { font-size: 1.5em; margin: 0 0 .2em; } .muted { color: #666; }
main { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; margin-top: 1em; }
#pad { width: 280px; height: 280px; border: 2px solid #333; border-radius: 6px; background: #fff;
       touch-action: none; cursor: crosshair; display: block; }
button { font: inherit; padding: .4em 1.2em; margin-top: .6em; cursor: pointer; }
#results { flex: 1; min-width: 260px; }
#top-name { font-size: 3.2em; font-weight: 700; line-height: 1.1; min-height: 1.1em; }
#top-probability { color: #555; min-height: 1.4em; }
ol { list-style: none; padding: 0; margin: 1em 0; }
li { display: grid; grid-template-columns: 8em 1fr 4.5em; align-items: center; gap: .6em; margin: .35em 0; }
.bar { height: 14px; background: #e8eef4; border-radius: 7px; overflow: hidden; }
.bar span { display: block; height: 100%; background: #1f77b4; }
.pct { text-align: right; font-variant-numeric: tabular-nums; }
#seen { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid #ccc; background: #000; }
#error { color: #b00; min-height: 1.3em; }
code { background: #f3f3f3; padding: .1em .3em; border-radius: 3px; overflow-wrap: anywhere; }
"""

_SCRIPT = """
const CONFIG = __CONFIG__;
const pad = document.getElementById("pad");
const ctx = pad.getContext("2d");
const list = document.getElementById("top");
let drawing = false, last = null, empty = true, inFlight = false, pending = false, answers = 0;

function clearPad() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  empty = true;
  document.getElementById("top-name").textContent = "";
  document.getElementById("top-probability").textContent = "Draw in the box.";
  document.getElementById("seen").src = CONFIG.blank;
  document.getElementById("error").textContent = "";
  list.innerHTML = "";
  document.body.dataset.prediction = "";
}

function point(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
}

function stroke(from, to) {
  ctx.strokeStyle = "#000";
  ctx.lineWidth = CONFIG.brush;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(from[0], from[1]);
  ctx.lineTo(to[0], to[1]);
  ctx.stroke();
  empty = false;
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  drawing = true;
  last = point(event);
  stroke(last, last);
  predictSoon();
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  event.preventDefault();
  const next = point(event);
  stroke(last, next);
  last = next;
  predictSoon();
});
for (const name of ["pointerup", "pointercancel", "lostpointercapture"]) {
  pad.addEventListener(name, () => { if (drawing) { drawing = false; predictSoon(); } });
}
document.getElementById("clear").addEventListener("click", clearPad);

function predictSoon() {
  if (empty) return;
  if (inFlight) { pending = true; return; }
  predict();
}

function show(answer) {
  const best = answer.prediction;
  document.getElementById("top-name").textContent = best.name;
  document.getElementById("top-probability").textContent = (100 * best.probability).toFixed(1) + "% sure";
  list.innerHTML = "";
  for (const item of answer.top) {
    const row = document.createElement("li");
    row.dataset.name = item.name;
    row.dataset.probability = item.probability;
    const name = document.createElement("span");
    name.textContent = item.name;
    const bar = document.createElement("div");
    bar.className = "bar";
    const fill = document.createElement("span");
    fill.style.width = (100 * item.probability).toFixed(1) + "%";
    bar.appendChild(fill);
    const pct = document.createElement("span");
    pct.className = "pct";
    pct.textContent = (100 * item.probability).toFixed(1) + "%";
    row.append(name, bar, pct);
    list.appendChild(row);
  }
  if (answer.input) document.getElementById("seen").src = answer.input;
  document.getElementById("error").textContent = "";
  document.body.dataset.prediction = best.name;
  document.body.dataset.answers = String(++answers);
}

async function predict() {
  inFlight = true;
  pending = false;
  document.body.dataset.busy = "1";  // a request is out: what is shown may be about to change
  try {
    const blob = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
    const response = await fetch("predict?top=" + CONFIG.top, {
      method: "POST", headers: {"Content-Type": "image/png"}, body: blob});
    const answer = await response.json();
    if (!empty) {
      if (response.ok) show(answer); else document.getElementById("error").textContent = answer.error;
    }
  } catch (error) {
    document.getElementById("error").textContent = "The server did not answer: " + error;
  } finally {
    inFlight = false;
    if (pending) predictSoon();
    if (!inFlight) document.body.dataset.busy = "0";
  }
}

clearPad();
"""


def render_page(title: str, dataset: str, class_names: tuple[str, ...], top: int = 3) -> str:
    """The drawing page for a model called `title` whose classes are `class_names`.

    Args:
        title: the model's name or path, shown on the page.
        dataset: `"mnist"` (draw a digit) or `"fashion_mnist"` (draw a clothing item).
        class_names: the classes the model tells apart.
        top: how many classes to list. Defaults to 3.

    Returns:
        The complete HTML document.
    """
    fashion = dataset == "fashion_mnist"
    what = "a clothing item" if fashion else "a digit"
    hint = (
        "Fashion-MNIST's pictures are photos of products, light on black, filling the frame: draw the item "
        "large and shade it in."
        if fashion
        else "Draw one digit, large, with the mouse, a pen or a finger."
    )
    # A black 28x28 image stands in for the model's input until the first answer.
    blank = png_uri(gray_png(np.zeros((28, 28), np.uint8)))
    config = json.dumps({"top": int(top), "brush": 26 if fashion else 20, "blank": blank})
    classes = ", ".join(class_names)
    example = "curl -X POST --data-binary @digit.png -H 'Content-Type: image/png' http://HOST:PORT/predict"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>scratchnn: draw {what}</title><style>{_STYLE}</style></head><body>",
            f"<h1>Draw {what}</h1>",
            f'<p class="muted">Model: {html.escape(title)}. Classes: {html.escape(classes)}. {html.escape(hint)}</p>',
            "<main><div>",
            f'<canvas id="pad" width="280" height="280" aria-label="drawing area: draw {what}"></canvas>',
            '<button id="clear" type="button">Clear</button></div>',
            '<div id="results"><div id="top-name" aria-live="polite"></div><div id="top-probability"></div>',
            '<ol id="top"></ol><div id="error" role="alert"></div>',
            f'<p class="muted">What the model sees (28x28):</p><img id="seen" alt="the 28x28 input" src="{blank}">',
            "</div></main>",
            '<p class="muted">For scripts: POST a PNG or JPEG, or JSON with a 28x28 array, to '
            f"<code>/predict</code>, e.g. <code>{html.escape(example)}</code>.</p>",
            f"<script>{_SCRIPT.replace('__CONFIG__', config)}</script>",
            "</body></html>\n",
        ]
    )
