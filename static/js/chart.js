// A line chart of one figure over the last hour, drawn into an <svg> with DOM calls only (no
// library, nothing inline, so the page's strict Content-Security-Policy holds).
const SVG = 'http://www.w3.org/2000/svg';
const HOUR_MS = 3600 * 1000;
const WIDTH = 600;
const HEIGHT = 150;
const PLOT = { left: 44, right: WIDTH - 8, top: 10, bottom: HEIGHT - 24 };

function shape(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, String(value)));
  if (text !== undefined) node.textContent = text;
  return node;
}

function label(x, y, text, anchor = 'start') {
  return shape('text', { class: 'scale', x, y, 'text-anchor': anchor }, text);
}

function rule(className, y) {
  return shape('line', { class: className, x1: PLOT.left, x2: PLOT.right, y1: y, y2: y });
}

// The smallest of 1, 2, 5, 10, 20, 50... at or above value: a round top for the scale.
function roundTop(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((top) => top >= value);
}

function format(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function describe(name, values) {
  if (values.length === 0) return `${name}: no samples yet`;
  const now = format(values.at(-1));
  return `${name} over the last hour: now ${now}, at most ${format(Math.max(...values))}`;
}

// Draw one figure of the samples ({ts, ...}), read by valueOf, over the hour ending at now
// (in ms), with its scale, and a summary for screen readers.
export function drawChart(svg, { name, samples, valueOf, now }) {
  const values = samples.map(valueOf);
  const top = roundTop(Math.max(0, ...values));
  const x = (ts) => PLOT.left + ((ts - now + HOUR_MS) / HOUR_MS) * (PLOT.right - PLOT.left);
  const y = (value) => PLOT.bottom - (value / top) * (PLOT.bottom - PLOT.top);
  const point = (ts, value) => `${x(ts).toFixed(1)},${y(value).toFixed(1)}`;
  const summary = describe(name, values);
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', summary);
  svg.replaceChildren(
    shape('title', {}, summary),
    rule('grid', PLOT.top),
    rule('axis', PLOT.bottom),
    label(PLOT.left - 6, PLOT.top + 4, format(top), 'end'),
    label(PLOT.left - 6, PLOT.bottom, '0', 'end'),
    label(PLOT.left, HEIGHT - 6, '1 hour ago'),
    label(PLOT.right, HEIGHT - 6, 'now', 'end'),
  );
  if (samples.length === 0) return;
  const line = samples.map((sample, index) => point(sample.ts, values[index]));
  const area = [point(samples[0].ts, 0), ...line, point(samples.at(-1).ts, 0)];
  svg.append(
    shape('polygon', { class: 'area', points: area.join(' ') }),
    shape('polyline', { class: 'line', points: line.join(' ') }),
  );
}
