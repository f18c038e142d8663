/* Quick dialogs on the order page. A link marked data-dialog opens its form in the page's
   modal: the form alone is fetched with ?dialog=1 and sent from there (with its CSRF token,
   as the page form is). A refused form comes back with its message and is shown again in the
   modal; a saved one redirects to the order page, whose fresh main content (with the flashed
   message) replaces the page's own, so the page is updated without leaving it. Without this
   script the links are plain links to the full pages. */
(function () {
  "use strict";
  const modal = document.getElementById("order-dialog");
  if (!modal || !window.jQuery) { return; }
  const $modal = window.jQuery(modal);
  const title = document.getElementById("order-dialog-title");
  const content = modal.querySelector(".modal-content");
  const body = modal.querySelector(".modal-body");
  let openerId = "";

  function dialogUrl(address) {
    const url = new URL(address, window.location.href);
    url.searchParams.set("dialog", "1");
    return url.toString();
  }

  function isShown() { return modal.classList.contains("show"); }

  function focusFirstField() {
    const field = body.querySelector("input:not([type=hidden]), select, textarea");
    if (field) { field.focus(); }
  }

  function returnFocus() {
    const opener = openerId && document.getElementById(openerId);
    (opener || document.getElementById("content")).focus();
  }

  function showForm(fragment) {
    const heading = fragment.querySelector("h1");
    title.textContent = heading ? heading.textContent.trim() : "";
    if (heading) { heading.remove(); }
    body.replaceChildren(document.importNode(fragment, true));
    if (isShown()) { focusFirstField(); } else { $modal.modal("show"); }
  }

  function showError(text) {
    body.querySelectorAll(".dialog-error").forEach((old) => { old.remove(); });
    const alert = document.createElement("div");
    alert.className = "alert alert-danger dialog-error";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    body.prepend(alert);
  }

  // The order page came back (the form was saved, or the order is closed to it): show it,
  // after emptying the closing modal, so that only the page's messages are left.
  function showPage(page) {
    body.replaceChildren();
    document.getElementById("content").innerHTML = page.getElementById("content").innerHTML;
    if (isShown()) { $modal.modal("hide"); } else { returnFocus(); }
  }

  // What the server answered: a dialog's form, the order page, or something else
  // (`otherwise` decides: the full page for an opened link, a message for a sent form).
  async function answer(response, otherwise) {
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fragment = page.querySelector("[data-dialog-fragment]");
    const samePage = new URL(response.url).pathname === window.location.pathname;
    if (response.ok && fragment) {
      showForm(fragment);
    } else if (response.ok && response.redirected && samePage && page.getElementById("content")) {
      showPage(page);
    } else {
      otherwise(response);
    }
  }

  async function open(link) {
    openerId = link.id;
    try {
      const response = await fetch(dialogUrl(link.href), { credentials: "same-origin" });
      await answer(response, () => { window.location.assign(link.href); });
    } catch (error) {
      window.location.assign(link.href);
    }
  }

  async function send(form, submitter) {
    const data = submitter ? new FormData(form, submitter) : new FormData(form);
    content.setAttribute("aria-busy", "true");
    form.querySelectorAll("[type=submit]").forEach((button) => { button.disabled = true; });
    try {
      const response = await fetch(dialogUrl(form.action), {
        method: "POST", body: data, credentials: "same-origin",
      });
      await answer(response, (refused) => {
        if (refused.redirected) { window.location.assign(refused.url); return; }
        showError(`The form was not accepted (${refused.status}): reload the page and try again.`);
      });
    } catch (error) {
      showError("The form could not be sent: check the connection and try again.");
    } finally {
      content.removeAttribute("aria-busy");
      form.querySelectorAll("[type=submit]").forEach((button) => { button.disabled = false; });
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-dialog]");
    if (!link || event.defaultPrevented || event.button !== 0
        || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    open(link);
  });

  // Before the page's own submit listeners (static/orderdesk.js), which then leave it alone.
  modal.addEventListener("submit", (event) => {
    event.preventDefault();
    if (content.getAttribute("aria-busy")) { return; }
    send(event.target, event.submitter);
  });

  $modal.on("shown.bs.modal", focusFirstField);
  $modal.on("hidden.bs.modal", () => {
    body.replaceChildren();
    title.textContent = "";
    returnFocus();
  });
})();
