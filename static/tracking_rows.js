/* Add and remove rows of the tracking-number table; the server keeps exactly the rows sent.
   The listeners sit on the document, so a table shown later (in an order-page dialog) works
   as well as one in the page. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const remove = event.target.closest(".remove-tracking");
    if (remove) {
      const row = remove.closest(".tracking-row");
      if (row.parentElement.querySelectorAll(".tracking-row").length > 1) { row.remove(); }
      else { row.querySelectorAll("input").forEach((input) => { input.value = ""; }); }
      return;
    }
    if (event.target.closest("#add-tracking")) {
      const rows = document.querySelectorAll("#tracking-rows .tracking-row");
      const row = rows[rows.length - 1].cloneNode(true);
      row.querySelectorAll("input").forEach((input) => { input.value = ""; });
      rows[rows.length - 1].after(row);
      row.querySelector("input:not([type=hidden])").focus();
    }
  });
})();
