// Confirmations for POST forms: a form (or its submit button) with data-confirm asks first.
document.addEventListener("submit", function (event) {
  var question = (event.submitter && event.submitter.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A POST form is sent once: after the browser has read which button was pressed, its buttons
// are disabled and the pressed one says it is working, until the next page arrives (a second
// click or Enter meanwhile does nothing). Runs after the confirmation above and after any
// listener of the form itself, so a cancelled or refused submit changes nothing.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || (form.getAttribute("method") || "get").toLowerCase() !== "post") {
    return;
  }
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "1";
  var pressed = event.submitter;
  window.setTimeout(function () {
    form.querySelectorAll("button, input[type=submit]").forEach(function (button) {
      if (button.type === "submit") { button.disabled = true; }
    });
    if (pressed && pressed.tagName === "BUTTON" && !pressed.children.length) {
      pressed.dataset.idleLabel = pressed.textContent;
      pressed.textContent = "Working…";
    }
    if (pressed) { pressed.setAttribute("aria-busy", "true"); }
  }, 0);
});

// Back to a page from the browser's cache: its forms can be sent again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) { return; }
  document.querySelectorAll("form[data-sending]").forEach(function (form) {
    delete form.dataset.sending;
    form.querySelectorAll("[aria-busy]").forEach(function (button) {
      if (button.dataset.idleLabel) { button.textContent = button.dataset.idleLabel; }
      button.removeAttribute("aria-busy");
    });
    form.querySelectorAll("button, input[type=submit]").forEach(function (button) { button.disabled = false; });
  });
});

// Links that only open menus or run scripts ("#", "javascript:void(0)" in Flask-Admin's
// templates) never navigate: a javascript: URL would break the CSP, "#" would jump the page.
document.addEventListener("click", function (event) {
  if (event.target.closest('a[href="#"], a[href^="javascript:"]')) {
    event.preventDefault();
  }
}, true);

// "With selected": the confirmation says how many rows it is about to change ({count}, and
// {s} for a plural), then the ticked rows are posted with the action (as Flask-Admin does).
function runModelAction(name) {
  var ticked = document.querySelectorAll("input.action-checkbox:checked");
  if (!ticked.length) {
    window.alert(JSON.parse(document.getElementById("message-data").textContent));
    return;
  }
  var questions = JSON.parse(document.getElementById("actions-confirmation-data").textContent);
  var question = questions[name];
  if (question) {
    question = question.replace(/\{count\}/g, ticked.length.toLocaleString("en"))
      .replace(/\{s\}/g, ticked.length === 1 ? "" : "s");
    if (!window.confirm(question)) {
      return;
    }
  }
  var form = document.getElementById("action_form");
  form.querySelector("input[name=action]").value = name;
  form.querySelectorAll("input.action-checkbox").forEach(function (box) { box.remove(); });
  ticked.forEach(function (box) { form.appendChild(box.cloneNode()); });
  form.submit();
}

// Clicks that Flask-Admin's templates used to handle inline (the CSP allows no inline script):
// the "With selected" menu and "Add" on inline lists.
document.addEventListener("click", function (event) {
  var action = event.target.closest("[data-model-action]");
  if (action) {
    runModelAction(action.dataset.modelAction);
    return;
  }
  var inline = event.target.closest("[data-inline-add]");
  if (inline) {
    window.faForm.addInlineField(inline, inline.dataset.inlineAdd);
  }
});

// Flask-Admin's list template names its row checkboxes by a tooltip alone ("Select record"):
// each gets a name of its own, read out by screen readers, from its row's first column
// ("Select record SO-000006"); "Select all records" keeps its words.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.action-rowtoggle, input.action-checkbox").forEach(function (box) {
    var row = box.closest("tr");
    var first = box.classList.contains("action-checkbox") && row && row.querySelector("td[class^='col-']");
    var name = box.title + (first && first.textContent.trim() ? " " + first.textContent.trim() : "");
    box.setAttribute("aria-label", name);
  });
  // A column's "?" help icon is a link named by its tooltip alone: its words become its name.
  // (Bootstrap's tooltip may already have moved the title to data-original-title.)
  document.querySelectorAll("th a[data-role=tooltip]").forEach(function (link) {
    link.setAttribute("aria-label", link.title || link.getAttribute("data-original-title") || "Help");
  });
});

// The "×" of a grid filter (made by Flask-Admin's filters.js, also when a filter is added
// later) would be read out as "times": the link is named "Remove filter: …" instead.
function nameFilterRemovers(root) {
  root.querySelectorAll(".remove-filter:not([aria-label])").forEach(function (link) {
    var icon = link.querySelector(".close-icon");
    if (icon) { icon.setAttribute("aria-hidden", "true"); }
    link.setAttribute("aria-label", "Remove filter: " + link.textContent.replace("\u00d7", "").trim());
  });
}
document.addEventListener("DOMContentLoaded", function () {
  var filters = document.getElementById("filter_form");
  if (filters) {
    nameFilterRemovers(filters);
    new MutationObserver(function () { nameFilterRemovers(filters); })
      .observe(filters, {childList: true, subtree: true});
  }
});

// Choosing a grid filter from "Add Filter" puts the focus in the new filter's value, where a
// keyboard user types next (Flask-Admin focuses a select that select2 hides, so it fell to
// the page itself).
document.addEventListener("click", function (event) {
  if (!event.target.closest(".field-filters a.filter")) {
    return;
  }
  window.setTimeout(function () {
    var rows = document.querySelectorAll("#filter_form table.filters tr");
    var cells = rows.length ? rows[rows.length - 1].querySelectorAll("td") : [];
    var value = cells.length ? cells[cells.length - 1] : null;
    var target = value && value.querySelector(
      ".select2-focusser, .select2-choice, input:not([type=hidden]), select:not(.select2-offscreen)");
    if (target) { target.focus(); }
  }, 50);
});

// A Copy button (data-copy="#field") puts the field's text on the clipboard and says so;
// where the clipboard is out of reach (a page not on HTTPS) it selects the text instead.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) { return; }
  var field = document.querySelector(button.dataset.copy);
  field.select();
  var copied = function () { button.textContent = "Copied"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(copied, function () {});
  } else if (document.execCommand("copy")) {
    copied();
  }
});
