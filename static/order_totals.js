/* The order form's live totals: after each change (debounced), the whole form is posted to
   the totals preview, which computes them with the function that saves the order. Only the
   server's answer is shown; nothing is computed here. */
(function () {
  "use strict";
  const form = document.getElementById("order-form");
  const panel = document.getElementById("totals-preview");
  if (!form || !panel) { return; }
  const rows = document.getElementById("totals-rows");
  const message = document.getElementById("totals-message");
  const csrfInput = form.querySelector("input[name=csrf_token]");
  const csrf = csrfInput ? csrfInput.value : "";
  let sent = 0;  // only the answer to the latest request is shown

  function show(data) {
    rows.innerHTML = "";
    for (const row of data.rows) {
      const tr = document.createElement("tr");
      const label = document.createElement("td");
      const amount = document.createElement("td");
      label.textContent = row.label;
      amount.className = "amount money";
      amount.textContent = row.sign < 0 ? "-" + row.text : row.text;
      tr.dataset.row = row.label;
      if (row.sign === 0) { tr.className = "grand-total font-weight-bold"; }
      tr.append(label, amount);
      rows.appendChild(tr);
    }
    panel.dataset.total = data.total.amount;
    message.textContent = "";
  }

  const customer = form.querySelector("input[name=customer_id]");

  async function refresh() {
    const mine = ++sent;
    // Totals need the customer (prices, tax and promotions are theirs): until one is chosen,
    // say so here rather than ask the server for a refusal.
    if (customer && !customer.value) {
      panel.classList.remove("d-none");
      rows.innerHTML = "";
      delete panel.dataset.total;
      message.textContent = "Totals appear once a customer is chosen.";
      return;
    }
    const body = new URLSearchParams(new FormData(form));
    if (panel.dataset.orderId) { body.set("order_id", panel.dataset.orderId); }
    let ok = false, data;
    try {
      const response = await fetch(panel.dataset.url, {method: "POST", credentials: "same-origin", body: body,
                                                        headers: {"X-CSRFToken": csrf, "Accept": "application/json"}});
      data = await response.json();  // a login page instead (signed out) is not JSON: caught below
      ok = response.ok;
    } catch (e) {
      data = {error: "they could not be fetched; they are computed again on save."};
    }
    if (mine !== sent) { return; }
    panel.classList.remove("d-none");
    if (ok) { show(data); return; }
    rows.innerHTML = "";
    delete panel.dataset.total;
    message.textContent = "No totals yet: " + (data.error || "they are computed again on save.");
  }

  let timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
  // Typing, choices, picked products, added or removed rows and shipping options all end here.
  for (const type of ["input", "change", "click"]) { form.addEventListener(type, later); }
  refresh();
})();
