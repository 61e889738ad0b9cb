/**
 * The report's only script, inlined and allowed by its hash in the page's Content-Security-Policy.
 * It only enhances what the HTML already shows: headers sort their table, the case table gets a
 * text and a verdict filter (their controls stay hidden without it), and a link to a collapsed
 * delegation tree opens it.
 */
export const SCRIPT = `(() => {
  "use strict";
  const numberOf = (text) => {
    const m = text.replace(/[$+,\\s]/g, "").match(/-?\\d+(?:\\.\\d+)?(?:e-?\\d+)?/i);
    return m ? Number(m[0]) : Number.NaN;
  };
  for (const table of document.querySelectorAll("table.sortable")) {
    let body = table.tBodies[0];
    if (!body) continue;
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, col) => {
      th.tabIndex = 0;
      th.classList.add("sort");
      th.setAttribute("aria-sort", "none");
      const sort = () => {
        const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        for (const other of headers) other.setAttribute("aria-sort", "none");
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        const numeric = th.dataset.type === "num";
        const rows = [...body.rows].map((row, i) => {
          const text = row.cells[col] ? row.cells[col].textContent.trim() : "";
          return { row, i, key: numeric ? numberOf(text) : text };
        });
        rows.sort((x, y) => {
          if (numeric) {
            const xn = Number.isNaN(x.key), yn = Number.isNaN(y.key);
            if (xn || yn) return xn === yn ? x.i - y.i : xn ? 1 : -1;
            return (x.key - y.key) * dir || x.i - y.i;
          }
          return x.key.localeCompare(y.key) * dir || x.i - y.i;
        });
        // Reorder off the document: one layout for the whole table, not one per moved row.
        const next = body.cloneNode(false);
        for (const r of rows) next.appendChild(r.row);
        body.replaceWith(next);
        body = next;
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  }
  for (const box of document.querySelectorAll("[data-filter-for]")) {
    const table = document.getElementById(box.dataset.filterFor);
    if (!table || !table.tBodies[0]) continue;
    const text = box.querySelector("input");
    const verdict = box.querySelector("select");
    const count = box.querySelector("output");
    const rows = [...table.tBodies[0].rows].map((row) => ({ row, text: row.textContent.toLowerCase(), verdict: row.className }));
    const apply = () => {
      const q = text.value.trim().toLowerCase();
      const v = verdict.value;
      let shown = 0;
      for (const r of rows) {
        const keep = (!q || r.text.includes(q)) && (!v || r.verdict === v);
        r.row.hidden = !keep;
        if (keep) shown++;
      }
      count.textContent = shown + " of " + rows.length + " rows";
    };
    text.addEventListener("input", apply);
    verdict.addEventListener("change", apply);
    box.hidden = false;
    apply();
  }
  const open = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") target.open = true;
  };
  addEventListener("hashchange", open);
  open();
})();`;
