// ketasim clinic: charts and the simulate form. No inline scripts (the CSP forbids them).
"use strict";

const COLORS = ["#1f5f8b", "#b5472f", "#3d8b37", "#7a4d9c"];

function csrf() {
  return document.body.dataset.csrf || "";
}

// Thresholds drawn on a scale's panel (clinic reference §2: relapse at MADRS ≥ 22).
const THRESHOLDS = { MADRS: [{ y: 22, text: "relapse (MADRS ≥ 22)", color: "#a32020" }] };

async function drawPatientChart(el) {
  el.classList.add("loading");
  el.replaceChildren();
  const wait = document.createElement("p");
  wait.className = "muted chart-wait";
  wait.setAttribute("role", "status");
  wait.textContent = "Loading the scores and computing the forecast…";
  el.appendChild(wait);
  const res = await fetch(el.dataset.src, { credentials: "same-origin" });
  el.classList.remove("loading");
  if (!res.ok) {
    wait.textContent = `The chart could not be loaded (${res.status}).`;
    return;
  }
  const data = await res.json();
  const names = Object.keys(data.series);
  const traces = [];
  const layout = {
    margin: { t: 80, r: 20, b: 50, l: 60 },
    height: Math.max(260, 190 * names.length),
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.04, yanchor: "bottom" },
    shapes: [],
    annotations: [],
    grid: { rows: Math.max(1, names.length), columns: 1, pattern: "independent" },
  };
  names.forEach((name, i) => {
    const s = data.series[name];
    const axis = i === 0 ? "" : String(i + 1);
    traces.push({
      x: s.x, y: s.y, name: `${name} (observed)`, mode: "lines+markers", observed: true,
      xaxis: "x" + axis, yaxis: "y" + axis, line: { color: COLORS[i % COLORS.length] },
    });
    panel(layout, axis, name, s.max[0]);
  });
  const fc = data.forecast && data.forecast.available ? data.forecast : null;
  if (fc) addForecast(fc, names, traces, layout);
  showForecastNote(data.forecast);
  if (!names.length && !fc) {
    el.textContent = "No complete scores yet.";
    el.dataset.points = "0";
    return;
  }
  names.forEach((name, i) => marks(data, name, i === 0 ? "" : String(i + 1), traces, layout, i === 0));
  // the x-axis title on the bottom panel only (the panels share one time axis)
  const last = names.length <= 1 ? "" : String(names.length);
  layout["xaxis" + last].title = { text: "date" };
  el.replaceChildren();
  await Plotly.react(el, traces, layout, { displaylogo: false, responsive: true });
  el.dataset.points = String(traces.filter((t) => t.observed).reduce((n, t) => n + t.y.length, 0));
  el.dataset.forecast = fc ? fc.kind : "none";
  el.dataset.forecastScale = fc ? fc.scale : "";
  el.dataset.window = layout.shapes.some((s) => s.name === "booster window") ? "shown" : "none";
  el.dataset.lines = layout.shapes.filter((s) => s.name).map((s) => s.name).join(",");
}

// One instrument's panel: its y axis with the unit, the shared time axis, its thresholds.
function panel(layout, axis, name, max) {
  layout["yaxis" + axis] = { title: { text: `${name} total (points)` }, range: [0, max], fixedrange: true };
  layout["xaxis" + axis] = axis === "" ? { type: "date" } : { type: "date", matches: "x" };
  (THRESHOLDS[name] || []).forEach((t) => {
    layout.shapes.push({
      type: "line", name: `threshold ${t.y}`, xref: "x" + axis + " domain", yref: "y" + axis,
      x0: 0, x1: 1, y0: t.y, y1: t.y, line: { color: t.color, width: 1, dash: "dash" },
    });
    layout.annotations.push({
      xref: "x" + axis + " domain", yref: "y" + axis, x: 0, y: t.y, xanchor: "left", yanchor: "bottom",
      text: t.text, showarrow: false, font: { size: 11, color: t.color },
    });
  });
}

// Dosing sessions (labelled with drug and dose) and today, on one panel.
function marks(data, name, axis, traces, layout, first) {
  const xa = "x" + axis, ya = "y" + axis;
  data.sessions.forEach((sess) => {
    layout.shapes.push({
      type: "line", xref: xa, yref: ya + " domain", x0: sess.x, x1: sess.x, y0: 0, y1: 1,
      line: { color: "#999", width: 1, dash: "dot" },
    });
  });
  if (data.sessions.length) {
    const top = (layout["yaxis" + axis].range || [0, 60])[1];
    traces.push({
      x: data.sessions.map((s) => s.x), y: data.sessions.map(() => top), mode: "markers",
      name: "dosing session", legendgroup: "dosing", showlegend: first, xaxis: xa, yaxis: ya,
      marker: { symbol: "triangle-down", size: 9, color: "#777" },
      text: data.sessions.map((s) => `${s.label} (${s.status})`), hovertemplate: "%{text}<br>%{x}<extra></extra>",
    });
  }
  layout.shapes.push({
    type: "line", name: first ? "today" : "", xref: xa, yref: ya + " domain", x0: data.now, x1: data.now, y0: 0, y1: 1,
    line: { color: "#1d2630", width: 1.5 },
  });
  if (first) {
    layout.annotations.push({
      xref: xa, yref: ya + " domain", x: data.now, y: 1, yanchor: "bottom", text: "today", showarrow: false,
      font: { size: 11 },
    });
  }
}

// The forecast band on its scale's panel (a new panel when that scale has no scores yet).
function addForecast(fc, names, traces, layout) {
  let i = names.indexOf(fc.series);
  if (i < 0) {
    i = names.length;
    names.push(fc.series);
    layout.grid.rows = names.length;
    layout.height = Math.max(260, 190 * names.length);
    panel(layout, i === 0 ? "" : String(i + 1), fc.series, fc.total_max);
  }
  const axis = i === 0 ? "" : String(i + 1);
  const xa = "x" + axis, ya = "y" + axis;
  [["95", 0.12], ["80", 0.2], ["50", 0.32]].forEach(([level, alpha]) => {
    const b = fc.bands[level];
    traces.push({
      x: fc.times, y: b.lower, mode: "lines", line: { width: 0 }, xaxis: xa, yaxis: ya, hoverinfo: "skip",
      showlegend: false, legendgroup: level,
    });
    traces.push({
      x: fc.times, y: b.upper, mode: "lines", line: { width: 0 }, fill: "tonexty", legendgroup: level,
      fillcolor: `rgba(31, 95, 139, ${alpha})`, name: `forecast ${level} % band`, xaxis: xa, yaxis: ya,
    });
  });
  traces.push({
    x: fc.times, y: fc.median, mode: "lines", name: `forecast median (${fc.kind})`,
    line: { color: "#1f5f8b", dash: "dash" }, xaxis: xa, yaxis: ya,
  });
  const w = fc.window;
  // Only a suggested booster has a window; an open-ended one means none is needed in the horizon.
  if (w && w.suggested && w.earliest && w.latest && !w.open_ended) {
    layout.shapes.push({
      type: "rect", name: "booster window", xref: xa, yref: ya + " domain", x0: w.earliest, x1: w.latest, y0: 0, y1: 1,
      fillcolor: "rgba(43, 138, 62, 0.12)", line: { width: 0 },
    });
    traces.push({
      x: [w.earliest], y: [null], mode: "markers", name: "suggested booster window", xaxis: xa, yaxis: ya,
      marker: { symbol: "square", size: 12, color: "rgba(43, 138, 62, 0.35)" }, hoverinfo: "skip",
    });
  }
}

function showForecastNote(fc) {
  const note = document.getElementById("forecast-note");
  if (!note) return;
  note.replaceChildren();
  const line = (text, cls) => {
    const p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    note.appendChild(p);
  };
  if (!fc || !fc.available) {
    line("No forecast: " + (fc ? fc.reason : "no data") + ".", "muted");
    return;
  }
  if (fc.must_assess) line(fc.safety_message, "alert sev-high");
  const approx = fc.approximate_link ? " (linked from the MADRS, approximate)" : "";
  line(`${fc.label[0].toUpperCase()}${fc.label.slice(1)}, on the ${fc.series || fc.scale}${approx}, from ${fc.times[0].slice(0, 10)}.`);
  const w = fc.window;
  if (w && w.open_ended) {
    line("No booster is suggested: the risk stays under the limit over the whole forecast.");
  } else if (w && w.suggested && w.earliest && w.latest) {
    line(`Suggested booster date: ${w.suggested.slice(0, 10)} (window ${w.earliest.slice(0, 10)} to ${w.latest.slice(0, 10)}).`);
  } else if (w && w.suggested) {
    line(`No date keeps the risk under the limit; earliest allowed date: ${w.suggested.slice(0, 10)}.`);
  }
  line(fc.reason);
  line(fc.notice, "muted");
}

function refreshCharts() {
  document.querySelectorAll(".chart[data-src]").forEach((el) => drawPatientChart(el));
}

// The clinician's choice of the forecast's scale: the chart is fetched again with it.
function pickForecastScale(event) {
  const select = event.target;
  const el = document.getElementById(select.dataset.chart);
  if (!el) return;
  const url = new URL(el.dataset.src, window.location.origin);
  if (select.value) url.searchParams.set("scale", select.value);
  else url.searchParams.delete("scale");
  el.dataset.src = url.pathname + url.search;
  drawPatientChart(el);
}

function simulateSpec(form) {
  const f = new FormData(form);
  const [drug, route] = String(f.get("preset")).split("|");
  const dose = { drug: drug, route: route, dose: String(f.get("dose")) };
  if (route === "iv" && f.get("over")) dose.over = String(f.get("over"));
  const count = Number(f.get("count") || 1);
  if (count > 1) { dose.every = String(f.get("every")); dose.count = count; }
  return {
    doses: [dose],
    patient: { weight_kg: Number(f.get("weight_kg")), age_years: Number(f.get("age_years")) },
  };
}

async function runSimulation(event) {
  event.preventDefault();
  const form = event.target;
  const err = document.getElementById("simulate-error");
  err.hidden = true;
  const res = await fetch("/api/simulate/pk", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(simulateSpec(form)),
  });
  const body = await res.json();
  if (!res.ok) {
    const d = Array.isArray(body.detail) ? body.detail.map((x) => `${x.loc.join(".")}: ${x.msg} (received ${JSON.stringify(x.input)})`).join("; ") : body.detail;
    err.textContent = d;
    err.hidden = false;
    return;
  }
  const days = body.times_h.map((t) => t / 24);
  const traces = Object.entries(body.series).map(([name, ys], i) => ({
    x: days, y: ys, name: name, mode: "lines", line: { color: COLORS[i % COLORS.length], dash: name.includes("effect") ? "dash" : "solid" },
  }));
  const layout = {
    margin: { t: 20, r: 20, b: 50, l: 60 }, height: 420,
    xaxis: { title: { text: "days" } }, yaxis: { title: { text: "ng/mL" } },
    shapes: body.doses_h.map((t) => ({ type: "line", x0: t / 24, x1: t / 24, yref: "paper", y0: 0, y1: 1, line: { color: "#bbb", width: 1, dash: "dot" } })),
  };
  const el = document.getElementById("sim-chart");
  await Plotly.react(el, traces, layout, { displaylogo: false, responsive: true });
  el.dataset.points = String(days.length);
  const ph = document.getElementById("sim-placeholders");
  ph.textContent = body.placeholders.length ? "Placeholder values used: " + body.placeholders.join(", ") : "";
}

// The session page's monitoring clock: minutes since the first device (or infusion start).
function tickClocks() {
  document.querySelectorAll("[data-since]").forEach((el) => {
    const minutes = Math.floor((Date.now() - Date.parse(el.dataset.since)) / 60000);
    el.textContent = `${minutes} min`;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  tickClocks();
  setInterval(tickClocks, 15000);
  document.body.addEventListener("htmx:afterSwap", tickClocks);
  refreshCharts();
  document.body.addEventListener("chart-refresh", refreshCharts);
  const pick = document.getElementById("forecast-scale");
  if (pick) pick.addEventListener("change", pickForecastScale);
  const sim = document.getElementById("simulate-form");
  if (sim) sim.addEventListener("submit", runSimulation);
});
