/**
 * The HTML report's style and script, inlined into every file it writes (the report must open
 * offline and fetch nothing). The script only filters and copies; the report reads without it.
 */
import { PALETTE } from "./palette";

export const HTML_STYLE = `
:root { color-scheme: light; --failing: ${PALETTE.failing.stroke}; --healthy: ${PALETTE.healthy.stroke};
  --pending: ${PALETTE.pending.stroke}; --neutral: ${PALETTE.neutral.stroke}; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1a1a1a; background: #fafafa; }
header { position: sticky; top: 0; z-index: 1; background: #fff; border-bottom: 1px solid #ddd; padding: 8px 20px; }
h1 { font-size: 18px; margin: 0 0 6px; }
main { padding: 8px 20px 40px; }
.filters { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin: 0; }
.filters fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.filters legend { float: left; font-weight: 600; margin-right: 6px; }
.filters label { white-space: nowrap; cursor: pointer; }
.shown { margin: 0; color: #555; }
.legend { margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 8px; font-size: 12px; }
.key { border: 2px solid; border-radius: 4px; padding: 0 6px; }
.blamed-key { border-color: var(--failing); border-width: 3px; background: #fff; }
h2 { font-size: 17px; margin: 22px 0 2px; } .region, .source { color: #555; font-weight: normal; }
.source, .summary { margin: 2px 0; }
.group { background: #fff; border: 1px solid #ccc; border-radius: 6px; margin: 10px 0; padding: 0 12px; }
.group[data-severity="critical"] { border-left: 6px solid var(--failing); }
.group[data-severity="warning"] { border-left: 6px solid var(--pending); }
.group > summary { cursor: pointer; padding: 8px 0; font-weight: 600; }
.group .codes { font-weight: normal; color: #444; font-family: ui-monospace, monospace; }
.arn { margin: 0 0 6px; font-size: 12px; color: #444; overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 3px; padding: 0 6px; font-size: 12px; font-weight: 700; color: #fff; }
.badge.critical { background: var(--failing); } .badge.warning { background: #8a5a00; }
.badge.info { background: var(--neutral); } .badge.none { background: var(--healthy); }
.badge.warning::before { content: "▲ "; } .badge.critical::before { content: "✖ "; } .badge.info::before { content: "ℹ "; }
figure.path { margin: 4px 0 10px; overflow-x: auto; }
.path-svg { max-width: 100%; height: auto; font-family: "DejaVu Sans", Arial, sans-serif; }
.path-svg .t { font-size: 11px; font-weight: 700; fill: #111; }
.path-svg .l { font-size: 11px; fill: #222; }
.path-svg .m { font-size: 11px; font-weight: 700; fill: #111; }
.path-svg .edge path { fill: none; stroke: #555; stroke-width: 1.5; }
.path-svg .edge.blamed path { stroke: var(--failing); stroke-width: 4; }
.path-svg .edge.controller path { stroke-dasharray: 6 4; }
.path-svg .callout { fill: #fff; stroke: var(--failing); stroke-width: 2; }
.finding { border-top: 1px solid #e3e3e3; padding: 8px 0 10px; }
.finding h4 { margin: 4px 0; font-size: 15px; } .finding h5 { margin: 8px 0 2px; font-size: 13px; }
.finding p { margin: 4px 0; } .title { font-weight: 600; }
.blame { border-left: 4px solid var(--failing); padding-left: 8px; }
.targets { border-collapse: collapse; font-size: 12px; margin: 6px 0; }
.targets th, .targets td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.evidence pre { background: #f4f4f4; padding: 6px; }
.fix { position: relative; background: #f1f5f9; border: 1px solid #c9d3de; border-radius: 4px; padding: 8px 70px 8px 8px; }
.copy { position: absolute; top: 6px; right: 6px; font: inherit; font-size: 12px; cursor: pointer; }
.fingerprint { font-size: 11px; color: #666; }
[hidden] { display: none !important; }
/* Keyboard use: a focus ring that shows on every control, never hidden under the sticky header. */
:focus-visible { outline: 3px solid var(--neutral); outline-offset: 2px; border-radius: 2px; }
.filters input:focus-visible { outline-offset: 1px; }
@media print { header { position: static; } .copy, .filters { display: none; } details { break-inside: avoid; } }
`;

export const HTML_SCRIPT = `
(function () {
  var form = document.querySelector(".filters");
  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; });
  }
  function apply() {
    var severities = checked("severity");
    var codes = checked("code");
    var quiet = form.querySelector('input[name="quiet"]').checked && codes.length === 0;
    var shown = 0, total = 0;
    document.querySelectorAll(".group").forEach(function (group) {
      var findings = group.querySelectorAll(".finding");
      var visible = 0;
      findings.forEach(function (f) {
        var on = severities.indexOf(f.dataset.severity) >= 0 && (codes.length === 0 || codes.indexOf(f.dataset.code) >= 0);
        f.hidden = !on;
        if (on) visible++;
      });
      total += findings.length;
      shown += visible;
      group.hidden = findings.length === 0 ? !quiet : visible === 0;
    });
    form.querySelector(".shown").textContent = "showing " + shown + " of " + total + " findings";
  }
  form.addEventListener("change", apply);
  apply();
  // What Tab reaches scrolls into view below the sticky header, not under it.
  var header = document.querySelector("header");
  function pad() { document.documentElement.style.scrollPaddingTop = header.offsetHeight + 8 + "px"; }
  window.addEventListener("resize", pad);
  pad();
  function copied(button, ok) {
    button.textContent = ok ? "Copied" : "Select and copy";
    setTimeout(function () { button.textContent = "Copy"; }, 1500);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy");
    if (!button) return;
    var code = button.parentNode.querySelector("pre");
    var text = code.textContent;
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      copied(button, ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText)
      navigator.clipboard.writeText(text).then(function () { copied(button, true); }, fallback);
    else fallback();
  });
})();
`;
