// Share: an update's Share button hands its address to the system's share sheet where the
// browser has one (phones), and otherwise copies it, saying so on the button and to screen
// readers. A button with data-copy-from copies the text of the field it names (the
// author's <iframe> snippet). Clicks are delegated, so updates that arrive live share too.
(function () {
  "use strict";

  document.documentElement.classList.add("can-share"); // the buttons show only with this script
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.append(status);

  function say(button, message) {
    status.textContent = message;
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = message;
    clearTimeout(Number(button.dataset.timer));
    button.dataset.timer = setTimeout(() => {
      button.textContent = button.dataset.label;
      status.textContent = "";
    }, 3000);
  }

  async function copied(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false; // no clipboard here (a plain-HTTP origin, a frame not allowed it)
    }
  }

  async function share(button) {
    const url = new URL(button.dataset.shareUrl, location.href).href;
    if (navigator.share) {
      try {
        await navigator.share({ title: button.dataset.shareTitle, url });
        return;
      } catch (error) {
        if (error.name === "AbortError") return; // the reader closed the share sheet
      }
    }
    if (await copied(url)) say(button, gettext("Link copied"));
    else window.prompt(gettext("Copy the link to this update:"), url);
  }

  async function copyField(button) {
    const field = document.getElementById(button.dataset.copyFrom);
    if (await copied(field.value)) return say(button, gettext("Copied"));
    field.select();
    say(button, gettext("Selected: press Ctrl+C to copy"));
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.share, button[data-copy-from]");
    if (button) (button.dataset.copyFrom ? copyField : share)(button);
  });
})();
