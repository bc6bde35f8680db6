import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import type { OutcomeSeries } from '../../../shared/admin/stats-series';
import { h, uid } from '../dom';
import { chartRows, chartSummary } from './chart-rows';

/**
 * Mails per outcome over time, as stacked bars (Chart.js, bundled: no CDN). Chart.js draws
 * on a canvas and sizes it through the CSSOM (element.style), which the page's CSP allows;
 * it writes no <style> element and no style attribute into markup. The canvas is an image
 * to assistive technology, labelled with the totals; the same figures are a table beside it
 * (colour is never the only carrier: the legend and the table name every outcome).
 */
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Destroys the charts whose canvas left the page (a view has no teardown; this runs before each new chart). */
function forgetDetached(): void {
  for (const c of Object.values(Chart.instances)) if (!c.canvas.isConnected) c.destroy();
}

/** The chart and its table for one series; `label` formats a bucket's start. */
export function outcomeChart(series: OutcomeSeries, label: (iso: string) => string): HTMLElement {
  forgetDetached();
  const rows = chartRows(series, label);
  const summaryId = uid('chart-summary');
  const canvas = h('canvas', { role: 'img', 'aria-label': `Mails per outcome over time. ${chartSummary(rows)}`, 'aria-describedby': summaryId });
  const box = h('div', { class: 'chart-box' }, canvas);
  // Only the buckets that hold mail: a day of hours is 24 columns, mostly empty.
  const filled = series.buckets.map((b, i) => ({ b, i })).filter(({ b }) => Object.keys(b.counts).length > 0);
  const table = h('table', { class: 'grid', id: 'outcome-chart-table' },
    h('caption', { class: 'visually-hidden' }, 'Mails per outcome over time'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Period from'), ...rows.outcomes.map((o) => h('th', { scope: 'col' }, o.label)), h('th', { scope: 'col' }, 'Total'))),
    h('tbody', null, ...filled.map(({ b, i }) => h('tr', null,
      h('th', { scope: 'row' }, rows.labels[i] ?? b.start),
      ...rows.outcomes.map((_, k) => h('td', null, String(rows.counts[k]?.[i] ?? 0))),
      h('td', null, String(Object.values(b.counts).reduce((a, n) => a + n, 0)))))),
  );
  const figures = h('details', { class: 'chart-figures' }, h('summary', null, 'The figures as a table'), filled.length > 0 ? table : h('p', null, 'No mail in this period.'));
  const element = h('figure', { class: 'outcome-chart' }, box, h('figcaption', { id: summaryId, class: 'hint' }, chartSummary(rows)), figures);
  new Chart(canvas, {
    type: 'bar',
    data: { labels: rows.labels, datasets: rows.outcomes.map((o, k) => ({ label: o.label, data: rows.counts[k] ?? [], backgroundColor: o.color, borderColor: '#ffffff', borderWidth: 1 })) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true, ticks: { autoSkip: true, maxRotation: 0 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'mails' } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  return element;
}
