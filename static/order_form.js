/* The Create/Edit Order form: pickers, dependent lists, line rows and shipping options.
   Everything here only helps the person fill the form; the server checks every value. */
(function () {
  "use strict";
  const form = document.getElementById("order-form");
  if (!form) { return; }
  const base = form.dataset.lookupBase;  // e.g. /admin/orders/
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const currency = () => ($("#currency") || {}).value || "USD";

  function debounce(fn, ms) {
    let timer = null;
    return function (...args) { clearTimeout(timer); timer = setTimeout(() => fn.apply(this, args), ms); };
  }

  async function getJSON(url) {
    const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
    if (!response.ok) { throw new Error("HTTP " + response.status); }
    return response.json();
  }

  async function postForm(url, fields) {
    const body = new URLSearchParams(fields);
    body.append("csrf_token", csrf);
    const response = await fetch(url, {method: "POST", credentials: "same-origin", body: body,
                                       headers: {"X-CSRFToken": csrf}});
    return {ok: response.ok, data: await response.json()};
  }

  /* A type-ahead picker (combobox): input + results list; choosing calls onPick(item).
     Arrow keys move through the results, Enter picks, Escape closes. */
  let pickerCount = 0;
  function picker(input, results, search, onPick) {
    pickerCount += 1;
    results.id = results.id || "picker-results-" + pickerCount;
    results.setAttribute("role", "listbox");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", results.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    let active = -1;
    const options = () => Array.from(results.querySelectorAll("[role=option]"));
    function close() {
      results.innerHTML = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      const all = options();
      if (!all.length) { return; }
      active = (index + all.length) % all.length;
      all.forEach((option, i) => {
        option.classList.toggle("active", i === active);
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({block: "nearest"});
    }
    const run = debounce(async () => {
      const term = input.value.trim();
      close();
      if (!term) { return; }
      let items = [];
      try { items = await search(term); } catch (e) { return; }
      if (!items.length) {
        const empty = document.createElement("div");
        empty.className = "list-group-item small text-muted";
        empty.textContent = "No matches";
        results.appendChild(empty);
      }
      items.forEach((item, index) => {
        const option = document.createElement("button");
        option.type = "button";
        option.id = results.id + "-" + index;
        option.tabIndex = -1;
        option.setAttribute("role", "option");
        option.className = "list-group-item list-group-item-action py-1 small picker-option";
        option.textContent = item.label;
        option.addEventListener("click", () => { close(); onPick(item); });
        results.appendChild(option);
      });
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }, 200);
    input.addEventListener("input", run);
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        event.preventDefault();  // Enter picks; it never sends the whole form
        const all = options();
        const chosen = all[active] || (all.length === 1 ? all[0] : null);
        if (chosen) { chosen.click(); }
      } else if (event.key === "Escape") {
        close();
      }
    });
  }

  /* Enter in a text box of this form does not send it half-filled: only the Save button does. */
  form.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.key === "Enter" && field.tagName === "INPUT" && !["submit", "button"].includes(field.type)) {
      event.preventDefault();
    }
  });

  /* ---- customer, customer user, addresses, payment term ---- */
  const customerId = $("#customer_id");
  const customerUser = $("#customer_user_id");
  let customerInfo = null;

  /* useDefaults: a customer or customer user was just chosen, so pre-select the default
     addresses; otherwise keep what the form came with (an edit, or a form sent back). */
  function fillAddressSelect(block, useDefaults) {
    const select = $(".address-choice", block);
    const hidden = $(".address-choice-value", block);
    const kind = block.dataset.kind;
    const wanted = hidden.value || select.dataset.initial || "";
    select.innerHTML = "";
    const add = (value, label, group) => {
      const option = document.createElement("option");
      option.value = value; option.textContent = label;
      (group || select).appendChild(option);
    };
    add("", "— No address —");
    let fallback = "";
    if (customerInfo) {
      const sections = [["Customer Address Book", customerInfo.addresses],
                        ["User Address Book", customerInfo.user_addresses[customerUser.value] || []]];
      for (const [title, entries] of sections) {
        const usable = entries.filter((a) => a[kind]);
        if (!usable.length) { continue; }
        const group = document.createElement("optgroup");
        group.label = title;
        for (const entry of usable) {
          add(entry.value, entry.label, group);
          if (entry["default_" + kind] && (!fallback || entry.value.startsWith("u"))) { fallback = entry.value; }
        }
        select.appendChild(group);
      }
    }
    add("manual", "Enter other address");
    const values = $$("option", select).map((o) => o.value);
    select.value = !useDefaults && values.includes(wanted) ? wanted : (fallback || wanted || "");
    if (!values.includes(select.value)) { select.value = ""; }
    hidden.value = select.value;
    $(".manual-address", block).classList.toggle("d-none", select.value !== "manual");
  }

  async function loadCustomer(id, keepUser) {
    customerInfo = null;
    if (id) {
      try { customerInfo = await getJSON(base + "lookup/customer/" + id); } catch (e) { customerInfo = null; }
    }
    const wanted = keepUser ? (customerUser.value || customerUser.dataset.initial) : "";
    customerUser.innerHTML = "";
    const none = document.createElement("option");
    none.value = ""; none.textContent = "—";
    customerUser.appendChild(none);
    for (const user of (customerInfo ? customerInfo.users : [])) {
      const option = document.createElement("option");
      option.value = String(user.id); option.textContent = user.label;
      customerUser.appendChild(option);
    }
    customerUser.value = wanted && $$("option", customerUser).some((o) => o.value === wanted) ? wanted : "";
    const term = $("#payment_term_id");
    if (!keepUser && customerInfo && customerInfo.payment_term_id && term) { term.value = String(customerInfo.payment_term_id); }
    $$(".address-block").forEach((block) => {
      if (!keepUser) { $(".address-choice-value", block).value = ""; $(".address-choice", block).dataset.initial = ""; }
      fillAddressSelect(block, !keepUser);
    });
  }

  picker($("#customer_label"), $("#customer-results"),
         (term) => getJSON(base + "lookup/customers?q=" + encodeURIComponent(term)),
         (item) => { $("#customer_label").value = item.label; customerId.value = item.id; loadCustomer(item.id, false); });
  customerUser.addEventListener("change", () => $$(".address-block").forEach((block) => fillAddressSelect(block, true)));
  $$(".address-block").forEach((block) => {
    $(".address-choice", block).addEventListener("change", (event) => {
      $(".address-choice-value", block).value = event.target.value;
      $(".manual-address", block).classList.toggle("d-none", event.target.value !== "manual");
    });
  });

  function inlineCreate(toggleSel, panelSel, saveSel, url, fields, onCreated) {
    $(toggleSel).addEventListener("click", () => $(panelSel).classList.toggle("d-none"));
    $(saveSel).addEventListener("click", async () => {
      const panel = $(panelSel);
      const result = await postForm(url, fields());
      $(".inline-error", panel).textContent = result.ok ? "" : result.data.error;
      if (result.ok) { panel.classList.add("d-none"); onCreated(result.data); }
    });
  }
  inlineCreate("#new-customer-toggle", "#new-customer", "#new-customer-save", base + "inline/customer",
               () => ({name: $("#new-customer-name").value}),
               (c) => { $("#customer_label").value = c.label; customerId.value = c.id; loadCustomer(c.id, false); });
  inlineCreate("#new-customer-user-toggle", "#new-customer-user", "#new-customer-user-save",
               base + "inline/customer_user",
               () => ({customer_id: customerId.value, first_name: $("#new-cu-first").value,
                       last_name: $("#new-cu-last").value, email: $("#new-cu-email").value}),
               async (u) => { customerUser.dataset.initial = String(u.id); customerUser.value = "";
                              await loadCustomer(customerId.value, true); customerUser.value = String(u.id);
                              $$(".address-block").forEach((block) => fillAddressSelect(block, true)); });

  /* ---- line items ---- */
  const lineBody = $("#line-items tbody");

  function wireLine(row) {
    const search = $(".product-search", row);
    picker(search, $(".product-results", row),
           (term) => getJSON(base + "lookup/products?q=" + encodeURIComponent(term) + "&currency=" + currency()),
           (item) => {
             search.value = item.label;
             $(".line-product-id", row).value = item.id;
             $(".line-unit", row).value = item.unit;
             $(".line-price", row).value = item.price || "";
             $(".price-hint", row).textContent = item.price ? "" : "No matching price found";
             refreshShipping();
           });
    $(".free-form-toggle", row).addEventListener("change", (event) => {
      const free = event.target.checked;
      $(".product-picker", row).classList.toggle("d-none", free);
      $(".free-form-fields", row).classList.toggle("d-none", !free);
      if (free) { $(".line-product-id", row).value = ""; }
    });
    $(".line-quantity", row).addEventListener("change", refreshShipping);
    $(".remove-line", row).addEventListener("click", () => {
      if ($$(".line-row", lineBody).length > 1) { row.remove(); } else { clearRow(row); }
      renumber(lineBody, ".line-row", "lines");
      refreshShipping();
    });
  }

  function clearRow(row) {
    $$("input", row).forEach((input) => {
      if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
    });
    $(".line-quantity", row).value = "1";
    $(".product-picker", row).classList.remove("d-none");
    $(".free-form-fields", row).classList.add("d-none");
    $(".price-hint", row).textContent = "";
  }

  function renumber(body, rowSel, prefix) {
    $$(rowSel, body).forEach((row, index) => {
      $$("[name]", row).forEach((el) => {
        el.name = el.name.replace(new RegExp("^" + prefix + "-\\d+-"), prefix + "-" + index + "-");
        if (el.id) { el.id = el.name; }
      });
    });
  }

  $("#add-line").addEventListener("click", () => {
    const rows = $$(".line-row", lineBody);
    const row = rows[rows.length - 1].cloneNode(true);
    $$(".picker-results", row).forEach((r) => { r.innerHTML = ""; });
    clearRow(row);
    lineBody.appendChild(row);
    renumber(lineBody, ".line-row", "lines");
    wireLine(row);
    $(".product-search", row).focus();
  });
  $$(".line-row", lineBody).forEach(wireLine);

  /* ---- special discounts ---- */
  const discountBody = $("#discounts tbody");
  function wireDiscount(row) {
    $(".remove-discount", row).addEventListener("click", () => { row.remove(); renumber(discountBody, ".discount-row", "discounts"); });
  }
  $("#add-discount").addEventListener("click", () => {
    const html = $("#discount-template").innerHTML.replace(/__i__/g, String($$(".discount-row", discountBody).length));
    discountBody.insertAdjacentHTML("beforeend", html);
    wireDiscount($$(".discount-row", discountBody).pop());
  });
  $$(".discount-row", discountBody).forEach(wireDiscount);

  /* ---- shipping options ---- */
  const methodInput = $("#shipping_method_id");
  async function refreshShipping() {
    const quantities = $$(".line-row", lineBody)
      .filter((row) => $(".line-product-id", row).value || $(".free-form-toggle", row).checked)
      .map((row) => $(".line-quantity", row).value);
    const box = $("#shipping-options");
    if (!quantities.length) { box.textContent = "Add a product to see the shipping methods that apply."; return; }
    let options = [];
    try {
      const response = await fetch(base + "lookup/shipping", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
        body: JSON.stringify({currency: currency(), quantities: quantities})});
      options = response.ok ? await response.json() : [];
    } catch (e) { options = []; }
    box.innerHTML = "";
    if (!options.length) { box.textContent = "No shipping methods are available"; return; }
    const none = {id: "", label: "No shipping method"};
    for (const option of [none].concat(options)) {
      const label = document.createElement("label");
      label.className = "d-block mb-1 shipping-option";
      const radio = document.createElement("input");
      radio.type = "radio"; radio.name = "shipping_choice"; radio.value = String(option.id);
      radio.className = "mr-2";
      radio.checked = String(option.id) === methodInput.value;
      radio.addEventListener("change", () => { methodInput.value = radio.value; });
      label.appendChild(radio);
      label.appendChild(document.createTextNode(option.label));
      box.appendChild(label);
    }
  }
  $("#calculate-shipping").addEventListener("click", refreshShipping);
  const currencySelect = $("select#currency");
  if (currencySelect) { currencySelect.addEventListener("change", refreshShipping); }

  /* ---- initial state (a pre-filled create, an edit, or a form sent back with an error) ---- */
  if (customerId.value) { loadCustomer(customerId.value, true); } else { $$(".address-block").forEach((block) => fillAddressSelect(block, false)); }
  refreshShipping();
})();
