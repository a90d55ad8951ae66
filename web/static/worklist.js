// The board's and the officers list's small behaviours: dialogs for a reason, the bulk
// bar's count of selected officers, select-all, and asking for a reason before a bulk
// step that needs one. Everything works without it except the dialogs on old browsers
// (Chromium 135+ opens them from the buttons' command attributes alone).
(function () {
  "use strict";
  var invokers = "command" in HTMLButtonElement.prototype;

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-opens], [data-close], [data-select-all]");
    if (!target) return;
    if (target.hasAttribute("data-opens") && !invokers) {
      document.getElementById(target.getAttribute("data-opens")).showModal();
    } else if (target.hasAttribute("data-close") && !invokers) {
      target.closest("dialog").close();
    } else if (target.hasAttribute("data-close")) {
      // command="close" handles dialogs that carry it; the bulk dialog has no id to name.
      if (!target.hasAttribute("commandfor")) target.closest("dialog").close();
    }
    if (target.hasAttribute("data-select-all")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
      count();
    }
  });

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="ref"][form="bulk"]'));
  }

  function count() {
    var shown = document.querySelector("#bulk .selected");
    if (!shown) return;
    var n = boxes().filter(function (box) { return box.checked; }).length;
    shown.textContent = n ? n + " selected" : "";
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches('input[name="ref"][form="bulk"]')) count();
  });

  // A bulk reason is required only while its dialog asks for it: closed (Cancel, Escape),
  // a hidden required field would block the next Apply of a step that needs none.
  document.addEventListener("close", function (event) {
    var reason = event.target.matches("#bulk dialog.reason") && event.target.querySelector("textarea");
    if (reason) reason.required = false;
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "bulk") return;
    if (!boxes().some(function (box) { return box.checked; })) {
      event.preventDefault();
      form.querySelector(".selected").textContent = "Select at least one officer first.";
      return;
    }
    var action = form.elements.action.value;
    var needs = (form.getAttribute("data-reasons") || "").split(" ");
    var asking = action.indexOf("advance:") === 0 && needs.indexOf(action.slice(8)) >= 0;
    var dialog = form.querySelector("dialog.reason");
    var fromDialog = event.submitter && dialog.contains(event.submitter);
    if (asking && !fromDialog) {
      event.preventDefault();
      dialog.querySelector("textarea").required = true;
      dialog.showModal();
    }
  });
})();
