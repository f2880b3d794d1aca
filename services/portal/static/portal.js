// EcoComply portal — a little progressive enhancement; every page works without it.
(function () {
  "use strict";
  // Search boxes: say how many characters were typed (1–4 are enough).
  document.querySelectorAll("[data-search]").forEach(function (input) {
    var hint = document.getElementById(input.getAttribute("aria-describedby") || "q-hint");
    if (!hint) return;
    var base = hint.textContent;
    input.addEventListener("input", function () {
      var n = Array.from(input.value.trim()).length;
      hint.textContent = n ? "已输入 " + n + " 个字" + (n > 4 ? "（1至4个字即可）" : "") : base;
    });
  });
  // Self-check: progress, and a button that answers every question "否".
  var form = document.getElementById("questionnaire");
  if (form) {
    var groups = form.querySelectorAll("[data-question]");
    var progress = form.querySelector("[data-progress]");
    var update = function () {
      var done = 0;
      groups.forEach(function (g) { if (g.querySelector("input:checked")) done++; });
      if (progress) progress.textContent = "已回答 " + done + " / " + groups.length + " 题";
    };
    form.addEventListener("change", update);
    var allNo = form.querySelector("[data-all-no]");
    if (allNo) allNo.addEventListener("click", function () {
      form.querySelectorAll('input[type=radio][value="no"]').forEach(function (r) { r.checked = true; });
      update();
    });
    update();
  }
  // Repair application: add another document row.
  document.querySelectorAll("[data-add-evidence]").forEach(function (button) {
    button.addEventListener("click", function () {
      var rows = button.parentNode.querySelectorAll("[data-evidence-row]");
      var row = rows[rows.length - 1].cloneNode(true);
      row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      button.parentNode.insertBefore(row, button);
      row.querySelector("select").focus();
    });
  });
})();
