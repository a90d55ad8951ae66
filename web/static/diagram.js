// Renders the lifecycle diagrams (<pre class="mermaid">) after every page swap.
function renderDiagrams() {
  if (window.mermaid && document.querySelector("pre.mermaid:not([data-processed])")) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    window.mermaid.run({ querySelector: "pre.mermaid:not([data-processed])" });
  }
}
document.addEventListener("DOMContentLoaded", renderDiagrams);
document.addEventListener("htmx:afterSettle", renderDiagrams);
