import { escapeHtml } from '../reports/html-page.render.js';
import type { DocumentChart, DocumentSection, DocumentTable, GovernanceDocument } from './document.types.js';
import { uplotAssets } from './uplot-assets.js';

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:1080px;margin:0 auto;padding:24px}h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:0 0 6px}
header.doc{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:16px 20px;margin-bottom:16px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0 0}dl.facts dt{color:#57606a}dl.facts dd{margin:0;font-variant-numeric:tabular-nums;word-break:break-all}
section{background:#fff;border:1px solid #d9dde3;border-radius:8px;padding:14px 20px;margin-bottom:12px}
.tags{font-size:12px;color:#57606a;margin-bottom:8px}.tag{display:inline-block;border-radius:10px;padding:0 8px;margin-right:6px;background:#eef1f4}
.tag.missing{background:#ffe1e1;color:#8a1010}.tag.no-data{background:#fff4d6;color:#6b4e00}.tag.human{background:#e3f0ff;color:#0b4a8f}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px;width:100%}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f5f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}.chart{margin:8px 0 16px}.chart h3{font-size:13px;margin:0 0 4px}
p.author{font-size:12px;color:#57606a}.human-text{white-space:pre-wrap}`;

const NUMERIC = /^-?[\d.,]+(e-?\d+)?%?$/;

function table(t: DocumentTable): string {
  const head = t.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const rows = t.rows
    .map(
      (r) =>
        `<tr>${r.map((v) => `<td${NUMERIC.test(v) ? ' class="num"' : ''}>${escapeHtml(v)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function chart(c: DocumentChart): string {
  return `<div class="chart"><h3>${escapeHtml(c.title)}</h3><div class="plot" data-chart="${escapeHtml(c.id)}"></div></div>`;
}

function section(s: DocumentSection): string {
  const tags = [
    `<span class="tag${s.origin === 'human' ? ' human' : ''}">${s.origin === 'human' ? 'written by people' : 'generated from records'}</span>`,
    s.required ? '<span class="tag">required</span>' : '',
    s.status === 'missing' ? '<span class="tag missing">missing</span>' : '',
    s.status === 'no-data' ? '<span class="tag no-data">no data</span>' : '',
  ].join('');
  const author = s.authorship
    ? `<p class="author">Written by ${escapeHtml(s.authorship.writtenBy)} at ${escapeHtml(s.authorship.writtenAt)} (${escapeHtml(s.authorship.source)}, revision ${s.authorship.revision})</p>`
    : '';
  const paragraphs = s.paragraphs
    .map((p) => `<p${s.origin === 'human' ? ' class="human-text"' : ''}>${escapeHtml(p)}</p>`)
    .join('');
  return `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2><div class="tags">${tags}</div>${author}${paragraphs}${s.charts.map(chart).join('')}${s.tables.map(table).join('')}</section>`;
}

/**
 * Draws every chart with uPlot: time axes for line charts (a single day spans the day before and
 * after, not uPlot's default years), category axes and bars for bar charts, whose value axis starts
 * at zero (a bar's length is its count: 149 against 151 must not look like 1 against 3); the value
 * axis is as wide as its longest label.
 */
const DRAW = `(function(){var data=JSON.parse(document.getElementById('chart-data').textContent);
var colors=['#0b62d6','#d1242f','#1a7f37','#9a6700','#8250df','#57606a'];
document.querySelectorAll('[data-chart]').forEach(function(el){var c=data[el.getAttribute('data-chart')];if(!c)return;
var w=Math.min(el.parentNode.clientWidth||900,1000);var bars=c.type==='bars';
var series=[{}].concat(c.series.map(function(s,i){var o={label:s.label,stroke:colors[i%colors.length],width:2,spanGaps:true};
if(bars){o.fill=colors[i%colors.length]+'99';o.paths=uPlot.paths.bars({size:[0.6/Math.max(1,c.series.length),80],align:0});o.points={show:false};}return o;}));
var rows=[c.x].concat(c.series.map(function(s){return s.values;}));
if(c.threshold!=null){series.push({label:'threshold',stroke:'#d1242f',dash:[6,4],width:1,points:{show:false}});rows.push(c.x.map(function(){return c.threshold;}));}
var ySize=function(u,vals){var m=0;(vals||[]).forEach(function(v){if(v&&String(v).length>m)m=String(v).length;});return Math.max(50,m*7+24);};
var axes=bars?[{values:function(u,vals){return vals.map(function(v){return Number.isInteger(v)&&c.categories[v]!==undefined?c.categories[v]:'';});}},{size:ySize}]:[{},{size:ySize}];
var xRange=bars?function(){return[-0.5,c.x.length-0.5];}:function(u,min,max){var lo=Math.min.apply(null,c.x),hi=Math.max.apply(null,c.x);return c.x.length>0&&hi-lo<86400?[lo-86400,hi+86400]:[min,max];};
var yRange=function(u,min,max){var lo=Math.min(0,min),hi=Math.max(0,max);return hi>lo?[lo,hi+(hi-lo)*0.05]:[lo,lo+1];};
new uPlot({width:w,height:220,series:series,axes:axes,scales:bars?{x:{time:false,range:xRange},y:{range:yRange}}:{x:{time:true,range:xRange}}},rows,el);});})();`;

/**
 * The document as one self-contained HTML page: styles, data and uPlot inlined, so it opens
 * offline. Tables carry the full figures; charts draw from the same data.
 */
export function renderHtml(doc: GovernanceDocument): string {
  const charts = Object.fromEntries(doc.sections.flatMap((s) => s.charts).map((c) => [c.id, c]));
  const facts = doc.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  const hasCharts = Object.keys(charts).length > 0;
  const { script, css } = hasCharts ? uplotAssets() : { script: '', css: '' };
  const data = JSON.stringify(charts).replace(/</g, '\\u003c');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(doc.title)}</title><style>${css}${STYLE}</style></head><body><main>
<header class="doc"><h1>${escapeHtml(doc.title)}</h1><dl class="facts">${facts}</dl></header>
${doc.sections.map(section).join('\n')}
</main>${hasCharts ? `<script id="chart-data" type="application/json">${data}</script><script>${script}</script><script>${DRAW}</script>` : ''}</body></html>
`;
}
