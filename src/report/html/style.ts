/**
 * The report's one style sheet. Colours are CSS variables so that `prefers-color-scheme` switches
 * the page and the charts together (the charts draw with `currentColor` and these variables).
 */
export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa;
  --pass: #1a7f37; --fail: #cf222e; --error: #9a6700; --a: #0969da; --b: #bf3989;
  --link: #0969da; --alert-bg: #fff8c5; --alert-edge: #d4a72c; --note-bg: #ddf4ff; --note-edge: #54aeff;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23;
    --pass: #3fb950; --fail: #f85149; --error: #d29922; --a: #4493f8; --b: #db61a2;
    --link: #4493f8; --alert-bg: #2e2616; --alert-edge: #9e6a03; --note-bg: #0c2d6b; --note-edge: #1f6feb;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main { max-width: 1180px; margin: 0 auto; padding: 0 1.5rem; }
header { padding-top: 1.2rem; }
main { padding-bottom: 4rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .3rem; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
a { color: var(--link); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel); padding: 0 .25em; border-radius: 3px; }
.muted, .sub { color: var(--muted); }
nav { display: flex; flex-wrap: wrap; gap: .3rem .9rem; margin: .6rem 0 0; font-size: 13px; }
.banner { margin: 1rem 0; padding: .6rem 1rem; border-left: 4px solid var(--alert-edge); background: var(--alert-bg); border-radius: 4px; }
.banner.note { border-color: var(--note-edge); background: var(--note-bg); }
.verdict { font-size: 1.1rem; font-weight: 700; }
.verdict.pass, .pass > .status, td.pass, .v.pass { color: var(--pass); }
.verdict.fail, .fail > .status, td.fail, .v.fail { color: var(--fail); }
.v.error, td.error { color: var(--error); }
.status, .v { font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .55rem; border-bottom: 1px solid var(--border); }
thead th { background: var(--panel); font-weight: 600; white-space: nowrap; }
th.n, td.n { text-align: right; }
tr.total td { font-weight: 600; }
th.sort { cursor: pointer; user-select: none; }
th.sort::after { content: " \\2195"; color: var(--muted); font-size: 11px; }
th[aria-sort="ascending"]::after { content: " \\2191"; color: var(--fg); }
th[aria-sort="descending"]::after { content: " \\2193"; color: var(--fg); }
th.sort:focus-visible { outline: 2px solid var(--link); }
#case-table td:nth-child(6), #case-table td:nth-child(7) { text-align: right; white-space: nowrap; }
#case-table td:nth-child(-n+4) { white-space: nowrap; }
#case-table td:nth-child(5) { max-width: 34rem; overflow-wrap: anywhere; }
.controls { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: .4rem 0; }
.controls input, .controls select { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: 4px; padding: .25rem .5rem; }
.controls input { min-width: 18rem; }
figure.chart { margin: .6rem 0 1.2rem; }
figure.chart svg { max-width: 100%; height: auto; overflow: visible; }
figure.chart > figure { margin: 0; }
.plot { --plot-background: var(--bg); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 1.5rem; }
details.tree { border: 1px solid var(--border); border-radius: 4px; margin: .3rem 0; padding: .2rem .6rem; }
details.tree > summary { cursor: pointer; }
details.tree[open] > summary { margin-bottom: .3rem; }
details.tree ul { list-style: none; margin: 0; padding-left: 1.1rem; border-left: 1px dashed var(--border); }
details.tree > ul { padding-left: .2rem; border-left: 0; }
details.tree li { margin: .25rem 0; }
.agent { font-weight: 600; }
.meta { color: var(--muted); font-size: 12.5px; }
.flag { display: inline-block; font-size: 11px; padding: 0 .35rem; margin-left: .2rem; border-radius: 8px; border: 1px solid var(--error); color: var(--error); }
.reply { margin-left: .2rem; overflow-wrap: anywhere; }
.reason { margin: .2rem 0 .4rem; overflow-wrap: anywhere; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; }
`;
