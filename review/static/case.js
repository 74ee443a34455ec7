// Case page: keyboard shortcuts, the confirm step before a letter leaves the office, moving on to the
// next case after an action, and a type-ahead filter on the unit pickers.
(function () {
  function typing(e) {
    var tag = (e.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "select" || tag === "textarea" || e.target.isContentEditable;
  }

  // --- confirm before sending: forms with data-confirm open their <dialog> first
  var confirmed = {};
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    var dialog = document.getElementById(form.dataset.confirm);
    if (!dialog || !dialog.showModal) return;
    form.addEventListener("submit", function (e) {
      if (confirmed[form.id]) return;
      e.preventDefault();
      var select = form.querySelector("select[name=unit]");
      var recipients = dialog.querySelector("[data-confirm-recipients]");
      var other = dialog.querySelector("[data-confirm-other]");
      var unitLabel = dialog.querySelector("[data-confirm-unit]");
      if (select && select.value && unitLabel) {
        unitLabel.textContent = select.options[select.selectedIndex].text;
        var same = !!recipients && recipients.dataset.previewUnit === select.value;
        if (recipients) recipients.hidden = !same;
        if (other) other.hidden = same;
      }
      dialog.returnValue = "";
      dialog.showModal();
      var yes = dialog.querySelector("button[value=kirim]");
      if (yes) yes.focus();
    });
    dialog.addEventListener("close", function () {
      if (dialog.returnValue === "kirim") {
        confirmed[form.id] = true;
        // the server sends only with this field (without it, it answers with a page that asks first)
        var field = form.querySelector("input[name=konfirmasi]");
        if (!field) {
          field = document.createElement("input");
          field.type = "hidden";
          field.name = "konfirmasi";
          form.appendChild(field);
        }
        field.value = "ya";
        form.requestSubmit();
      }
    });
  });

  // --- the primary action button of the bar submits its form (which may ask to confirm)
  var primary = document.getElementById("primary-action");
  if (primary && primary.dataset.submits) {
    primary.addEventListener("click", function () {
      var form = document.getElementById(primary.dataset.submits);
      if (form) form.requestSubmit();
    });
  }

  // --- move on after an action that took the case out of the queue
  var flash = document.getElementById("flash");
  if (flash && flash.dataset.advance) {
    try { sessionStorage.setItem("narahubung-previous", flash.textContent); } catch (err) { /* private mode */ }
    window.location.assign(flash.dataset.advance);
    return;
  }

  // --- who else has this case open (reported every 30 s while the page is open)
  var viewers = document.getElementById("viewers");
  function present() {
    fetch("/kasus/" + viewers.dataset.case + "/hadir", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { others: [] }; })
      .then(function (data) {
        var others = data.others || [];
        viewers.hidden = others.length === 0;
        viewers.textContent = others.length ? "Juga sedang dibuka oleh: " + others.join(", ") : "";
      })
      .catch(function () { /* offline: say nothing */ });
  }
  if (viewers) { present(); setInterval(present, 30000); }

  // --- keyboard
  function focusForm(id) {
    var form = document.getElementById(id);
    if (!form) return;
    var field = form.querySelector("select, input:not([type=hidden]), textarea, button");
    form.scrollIntoView({ block: "center" });
    if (field) field.focus();
  }
  document.querySelectorAll("[data-focus]").forEach(function (link) {
    link.addEventListener("click", function (e) { e.preventDefault(); focusForm(link.dataset.focus); });
  });
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector("dialog[open]")) return;
    var go = function (id) { var el = document.getElementById(id); if (el) { e.preventDefault(); window.location.assign(el.href); } };
    if (e.key === "a" && primary) {
      e.preventDefault();
      if (primary.dataset.focus) focusForm(primary.dataset.focus); else primary.click();
    }
    else if (e.key === "n") go("next-case");
    else if (e.key === "q") go("back-to-queue");
    else if (e.key === "k") { e.preventDefault(); focusForm("form-correct"); }
    else if (e.key === "t") { e.preventDefault(); focusForm("form-hold"); }
    else if (e.key === "c") { e.preventDefault(); focusForm("form-note"); }
    else if (e.key === "s") { e.preventDefault(); focusForm("form-finish"); }
  });
})();
