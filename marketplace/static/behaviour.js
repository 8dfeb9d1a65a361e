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
// Availability: ticking a whole day, morning or afternoon ticks (or clears) its slots; the server reads the
// block too, so the form works without this.
(function () {
  document.addEventListener("change", function (event) {
    var inBlocks = event.target.getAttribute && event.target.getAttribute("data-in");
    if (inBlocks && !event.target.checked) {
      // A slot cleared by hand clears the blocks it belongs to, or the server would read them back in.
      inBlocks.split(" ").forEach(function (name) {
        var owner = event.target.form.querySelector("input[data-block='" + name + "']");
        if (owner) owner.checked = false;
      });
      return;
    }
    var block = event.target.getAttribute && event.target.getAttribute("data-block");
    if (!block) return;
    var form = event.target.form;
    Array.prototype.forEach.call(form.querySelectorAll("input[data-in]"), function (slot) {
      if (slot.getAttribute("data-in").split(" ").indexOf(block) >= 0) slot.checked = event.target.checked;
    });
    if (!event.target.checked) {
      // A cleared block must not come back through a wider one still ticked (the whole day over a morning).
      var day = block.split(":")[0];
      Array.prototype.forEach.call(form.querySelectorAll("input[data-block^='" + day + ":']"), function (other) {
        if (other !== event.target && other.getAttribute("data-block") === day + ":day") other.checked = false;
      });
    }
  });
})();
