// Click-to-load embeds. The server draws a video or a post from another site as a card of
// the app's own: the provider's name, the link, a button, and the provider's <iframe> in an
// inert <template>. Nothing is asked of the provider until the reader presses the button;
// then the frame takes the button's place. Without this script the card is its link alone
// (the button and the note show only under .embeds). Clicks are delegated, so cards that
// arrive with a poll load too.
(function () {
  "use strict";

  document.documentElement.classList.add("embeds");

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".embed-load");
    const card = button && button.closest(".embed-card");
    if (!card) return;
    const frame = card.querySelector("template").content.firstElementChild.cloneNode(true);
    card.classList.add("loaded");
    card.querySelector(".embed-note").remove();
    button.replaceWith(frame);
    frame.focus();
  });
})();
