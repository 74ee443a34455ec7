// Queue keyboard: j / k move the selected row, Enter opens its case.
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr"));
  if (!rows.length) return;
  var current = -1;
  function select(i) {
    if (i < 0 || i >= rows.length) return;
    if (current >= 0) rows[current].classList.remove("selected");
    current = i;
    rows[i].classList.add("selected");
    rows[i].focus({ preventScroll: true });
    rows[i].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") { select(current + 1); e.preventDefault(); }
    else if (e.key === "k") { select(Math.max(current - 1, 0)); e.preventDefault(); }
    else if (e.key === "Enter" && current >= 0) { window.location.href = rows[current].dataset.href; e.preventDefault(); }
  });
  rows.forEach(function (row, i) { row.addEventListener("click", function () { select(i); }); });
})();
