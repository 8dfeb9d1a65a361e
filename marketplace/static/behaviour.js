// Small behaviours the content-security policy forbids as inline on*="" attributes:
// <select data-autosubmit> submits its form, [data-print] prints, input[data-select-on-click] selects itself.
(function () {
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var el = event.target;
    if (!el.closest) return;
    if (el.closest("[data-print]")) window.print();
    var field = el.closest("input[data-select-on-click]");
    if (field) field.select();
  });
})();
// A button with data-confirm="question" asks before it acts (closing a need or an event, selecting for a
// pilot, declining); the question arrives already translated from the template.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
})();
