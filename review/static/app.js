// Unit pickers: a search field above each <select data-unit-picker> keeps the options whose name holds
// every typed word (any case); the options stay grouped by agency type.
(function () {
  document.querySelectorAll("select[data-unit-picker]").forEach(function (select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "unit-filter";
    input.placeholder = "ketik untuk menyaring";
    input.setAttribute("aria-label", "Saring pilihan di bawah");
    // outside the select's <label>, which must keep naming the select
    var label = select.closest("label");
    var anchor = label || select;
    anchor.parentNode.insertBefore(input, anchor.nextSibling);
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var first = null;
      select.querySelectorAll("option").forEach(function (option) {
        if (!option.value) return;
        var text = (option.textContent + " " + option.value + " " + (option.parentNode.label || "")).toLowerCase();
        var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
        option.hidden = !keep;
        if (keep && !first) first = option;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (first && words.length) select.value = first.value;
    });
  });
})();

// What the last action did, when the case page moved on to the next case (or back to the queue).
(function () {
  var previous = null;
  try {
    previous = sessionStorage.getItem("narahubung-previous");
    sessionStorage.removeItem("narahubung-previous");
  } catch (err) { /* storage unavailable: nothing to show */ }
  var shown = document.getElementById("previous-outcome");
  if (previous && shown) { shown.textContent = "Kasus sebelumnya: " + previous; shown.hidden = false; }
})();

// On a phone the queue's filters start folded, so the cases come first.
(function () {
  if (window.matchMedia && window.matchMedia("(max-width: 700px)").matches) {
    document.querySelectorAll("details.filter-box").forEach(function (box) { box.open = false; });
  }
})();
