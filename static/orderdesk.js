// Confirmations for POST forms: a form (or its submit button) with data-confirm asks first.
document.addEventListener("submit", function (event) {
  var question = (event.submitter && event.submitter.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
