/* The order grid's menus: the Columns menu's arrows move a column in place (without them
   the arrow submits and the server moves it), and opening one menu closes the others. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("#grid-columns .column-move");
    if (button) {
      event.preventDefault();
      var row = button.closest("li");
      if (button.name === "up" && row.previousElementSibling) {
        row.parentNode.insertBefore(row, row.previousElementSibling);
      } else if (button.name === "down" && row.nextElementSibling) {
        row.parentNode.insertBefore(row.nextElementSibling, row);
      }
      button.focus();
      return;
    }
    document.querySelectorAll("details.grid-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.removeAttribute("open");
      }
    });
  });
})();
