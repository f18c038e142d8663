// Confirmations for POST forms: a form (or its submit button) with data-confirm asks first.
document.addEventListener("submit", function (event) {
  var question = (event.submitter && event.submitter.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Links that only open menus or run scripts ("#", "javascript:void(0)" in Flask-Admin's
// templates) never navigate: a javascript: URL would break the CSP, "#" would jump the page.
document.addEventListener("click", function (event) {
  if (event.target.closest('a[href="#"], a[href^="javascript:"]')) {
    event.preventDefault();
  }
}, true);

// Clicks that Flask-Admin's templates used to handle inline (the CSP allows no inline script):
// the "With selected" menu and "Add" on inline lists.
document.addEventListener("click", function (event) {
  var action = event.target.closest("[data-model-action]");
  if (action) {
    window.modelActions.execute(action.dataset.modelAction);
    return;
  }
  var inline = event.target.closest("[data-inline-add]");
  if (inline) {
    window.faForm.addInlineField(inline, inline.dataset.inlineAdd);
  }
});
