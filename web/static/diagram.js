// Renders the lifecycle diagrams (<pre class="mermaid">) on a page load and after every
// htmx swap. Loaded by the layout on every page because hx-boost swaps only the <body>:
// a script in the officer page's <head> never ran when someone arrived from a link.
// Mermaid itself (2.7 MB) is fetched once, the first time a page has a diagram.
var MERMAID_SRC = document.currentScript.dataset.mermaid;
var mermaidLoading = null;

function loadMermaid() {
  if (window.mermaid) return Promise.resolve(window.mermaid);
  if (!mermaidLoading) {
    mermaidLoading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = MERMAID_SRC;
      script.onload = function () {
        window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
        resolve(window.mermaid);
      };
      script.onerror = function () { reject(new Error("could not load " + MERMAID_SRC)); };
      document.head.appendChild(script);
    });
  }
  return mermaidLoading;
}

function renderDiagrams() {
  var selector = "pre.mermaid:not([data-processed])";
  if (!document.querySelector(selector)) return;
  loadMermaid()
    .then(function (mermaid) { return mermaid.run({ querySelector: selector }); })
    .catch(function (error) {
      // Mermaid rejects with its parser's hash, not an Error: say what went wrong.
      console.error("lifecycle diagram: " + ((error && (error.message || error.str)) || error));
    });
}

document.addEventListener("DOMContentLoaded", renderDiagrams);
document.addEventListener("htmx:afterSettle", renderDiagrams);
