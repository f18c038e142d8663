/* Mark as Shipped: say, as quantities are typed, what the shipment will be, and ask with those
   words before sending. The server checks every quantity again; this only informs. */
(function () {
  "use strict";
  const form = document.getElementById("ship-form");
  if (!form) { return; }
  const inputs = Array.from(form.querySelectorAll("input.ship-quantity"));
  const summary = document.getElementById("ship-summary");
  const button = document.getElementById("confirm-ship");

  function units(count) {
    const text = Number(count.toFixed(4)).toLocaleString("en");
    return text + (count === 1 ? " unit" : " units");
  }

  function describe() {
    let shipping = 0;
    let remaining = 0;
    let lines = 0;
    let everything = true;
    for (const input of inputs) {
      const left = Number(input.dataset.remaining);
      const typed = input.value.trim() === "" ? 0 : Number(input.value.trim());
      if (!Number.isFinite(typed) || typed < 0) {
        return "Ship now of " + input.dataset.sku + " must be a number of 0 or more.";
      }
      if (typed > left) {
        return "Ship now of " + input.dataset.sku + " is more than the " + units(left) + " remaining.";
      }
      remaining += left;
      shipping += typed;
      if (typed > 0) { lines += 1; }
      if (typed !== left) { everything = false; }
    }
    if (shipping === 0) {
      return "Nothing to ship: enter a quantity in Ship now.";
    }
    const what = units(shipping) + " on " + lines + (lines === 1 ? " line" : " lines");
    if (everything) {
      return "Ships everything remaining: " + what + ". The order becomes Shipped.";
    }
    return "Ships " + what + " of the " + units(remaining) + " remaining. The order stays open as Partially Shipped.";
  }

  function update() {
    const text = describe();
    summary.textContent = text;
    button.dataset.confirm = text + " Mark as shipped?";
  }

  inputs.forEach((input) => input.addEventListener("input", update));
  update();
})();
