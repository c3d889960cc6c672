// ketasim clinic: charts and the simulate form. No inline scripts (the CSP forbids them).
"use strict";

const COLORS = ["#1f5f8b", "#b5472f", "#3d8b37", "#7a4d9c"];

function csrf() {
  return document.body.dataset.csrf || "";
}

async function drawPatientChart(el) {
  const res = await fetch(el.dataset.src, { credentials: "same-origin" });
  if (!res.ok) return;
  const data = await res.json();
  const names = Object.keys(data.series);
  const traces = [];
  const layout = {
    margin: { t: 20, r: 20, b: 40, l: 50 },
    height: Math.max(220, 170 * names.length),
    showlegend: false,
    shapes: [],
    grid: { rows: Math.max(1, names.length), columns: 1, pattern: "independent" },
  };
  names.forEach((name, i) => {
    const s = data.series[name];
    const axis = i === 0 ? "" : String(i + 1);
    traces.push({
      x: s.x, y: s.y, name: name, mode: "lines+markers",
      xaxis: "x" + axis, yaxis: "y" + axis, line: { color: COLORS[i % COLORS.length] },
    });
    layout["yaxis" + axis] = { title: { text: name }, range: [0, s.max[0]], fixedrange: true };
    // one time axis for every instrument, so that the panels line up
    layout["xaxis" + axis] = i === 0 ? { type: "date" } : { type: "date", matches: "x" };
    data.sessions.forEach((sess) => {
      layout.shapes.push({
        type: "line", xref: "x" + axis, yref: "y" + axis + " domain", x0: sess.x, x1: sess.x, y0: 0, y1: 1,
        line: { color: "#999", width: 1, dash: "dot" },
      });
    });
  });
  const fc = data.forecast && data.forecast.available ? data.forecast : null;
  if (fc) addForecast(fc, names, traces, layout);
  showForecastNote(data.forecast);
  if (!names.length && !fc) {
    el.textContent = "No complete scores yet.";
    el.dataset.points = "0";
    return;
  }
  await Plotly.react(el, traces, layout, { displaylogo: false, responsive: true });
  el.dataset.points = String(traces.filter((t) => t.mode === "lines+markers").reduce((n, t) => n + t.y.length, 0));
  el.dataset.forecast = fc ? fc.kind : "none";
}

// The forecast band on its scale's panel (a new panel when that scale has no scores yet).
function addForecast(fc, names, traces, layout) {
  let i = names.indexOf(fc.series);
  if (i < 0) {
    i = names.length;
    names.push(fc.series);
    layout.grid.rows = names.length;
    layout.height = Math.max(220, 170 * names.length);
  }
  const axis = i === 0 ? "" : String(i + 1);
  const xa = "x" + axis, ya = "y" + axis;
  layout["yaxis" + axis] = { title: { text: fc.series }, range: [0, fc.total_max], fixedrange: true };
  layout["xaxis" + axis] = i === 0 ? { type: "date" } : { type: "date", matches: "x" };
  [["95", 0.12], ["80", 0.2], ["50", 0.32]].forEach(([level, alpha]) => {
    const b = fc.bands[level];
    traces.push({ x: fc.times, y: b.lower, mode: "lines", line: { width: 0 }, xaxis: xa, yaxis: ya, hoverinfo: "skip" });
    traces.push({
      x: fc.times, y: b.upper, mode: "lines", line: { width: 0 }, fill: "tonexty",
      fillcolor: `rgba(31, 95, 139, ${alpha})`, name: `${level} % band`, xaxis: xa, yaxis: ya,
    });
  });
  traces.push({
    x: fc.times, y: fc.median, mode: "lines", name: `forecast median (${fc.kind})`,
    line: { color: "#1f5f8b", dash: "dash" }, xaxis: xa, yaxis: ya,
  });
  const w = fc.window;
  if (w && w.earliest && w.latest) {
    layout.shapes.push({
      type: "rect", xref: xa, yref: ya + " domain", x0: w.earliest, x1: w.latest, y0: 0, y1: 1,
      fillcolor: "rgba(43, 138, 62, 0.12)", line: { width: 0 },
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
  line(`${fc.label[0].toUpperCase()}${fc.label.slice(1)}, on the ${fc.scale}${approx}, from ${fc.times[0].slice(0, 10)}.`);
  const w = fc.window;
  if (w && w.suggested && w.earliest && w.latest) {
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
  const sim = document.getElementById("simulate-form");
  if (sim) sim.addEventListener("submit", runSimulation);
});
