/* Add and remove rows of the tracking-number table; the server keeps exactly the rows sent. */
(function () {
  "use strict";
  const table = document.getElementById("tracking-rows");
  if (!table) { return; }
  const body = table.querySelector("tbody");
  function wire(row) {
    row.querySelector(".remove-tracking").addEventListener("click", () => {
      if (body.querySelectorAll(".tracking-row").length > 1) { row.remove(); }
      else { row.querySelectorAll("input").forEach((input) => { input.value = ""; }); }
    });
  }
  body.querySelectorAll(".tracking-row").forEach(wire);
  document.getElementById("add-tracking").addEventListener("click", () => {
    const rows = body.querySelectorAll(".tracking-row");
    const row = rows[rows.length - 1].cloneNode(true);
    row.querySelectorAll("input").forEach((input) => { input.value = ""; });
    body.appendChild(row);
    wire(row);
  });
})();
