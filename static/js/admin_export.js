/* The admin's export page (templates/admin/import_export/export.html): its "Select all" box,
   wired here because the Content-Security-Policy refuses the package's inline onchange. */
document.addEventListener("change", function (event) {
  var box = event.target;
  if (box.matches && box.matches("input.select-toggle") && typeof onSelectToggleChange === "function") {
    onSelectToggleChange(event);  // from import_export/export_selectable_fields.js
  }
});
