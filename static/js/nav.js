// The main navigation's menu button on a phone (progressive enhancement of the <details>
// fallback in templates/includes/header.html): a real <button> whose aria-expanded says
// whether the links (aria-controls) are shown. Escape closes the menu and returns focus to
// the button. From 40em up CSS shows the links and hides the button, whatever its state.
(function () {
  "use strict";
  var nav = document.querySelector("[data-main-nav]");
  if (!nav) {
    return;
  }
  var button = nav.querySelector(".main-nav__button");
  var fallback = nav.querySelector(".main-nav__fallback");
  if (!button) {
    return;
  }

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("main-nav--open", open);
  }

  // Keep what the visitor may already have opened before the script ran.
  setOpen(Boolean(fallback && fallback.open));
  nav.classList.add("main-nav--js");
  button.hidden = false;

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
