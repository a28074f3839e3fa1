// "Copy" buttons beside read-only fields (a new API token): <button type="button" data-copy="FIELD-ID">.
// Without JavaScript the field is still selectable; the button is hidden until this script shows it.
"use strict";
(function () {
  function start() {
    document.querySelectorAll("button[data-copy]").forEach((button) => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) return;
      button.hidden = false;
      button.addEventListener("click", async () => {
        field.select();
        try {
          await navigator.clipboard.writeText(field.value);
          button.textContent = "Copied";
        } catch {
          // Clipboard permission refused (or headless): the text stays selected for Ctrl+C.
          button.textContent = "Selected: press Ctrl+C";
        }
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
