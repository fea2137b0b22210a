// Small DOM helpers shared by the views. Text goes in with textContent only: names and
// comments come from people and are never HTML.

/**
 * Element builder: h("button", {type: "button", onclick: fn}, "Label").
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value != null) el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/**
 * Say something to assistive technology without moving focus (polite live region).
 * @param {string} message
 */
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  // Clearing first makes a repeated identical message announced again.
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/**
 * Replace the screen. The heading gets tabindex=-1 and focus so keyboard and screen-reader
 * users land at the top of the new content.
 * @param {string} title  document title
 * @param {HTMLElement} heading
 * @param {{wide?: boolean, focus?: boolean}} options
 * @param {...(Node | null | false)} content
 */
export function render(title, heading, { wide = false, focus = true }, ...content) {
  heading.setAttribute("tabindex", "-1");
  heading.id = "screen-heading";
  const section = h(
    "section",
    { class: wide ? "screen wide" : "screen", "aria-labelledby": "screen-heading" },
    heading,
    ...content,
  );
  /** @type {HTMLElement} */ (document.getElementById("main")).replaceChildren(section);
  document.title = title;
  if (focus) heading.focus();
  return section;
}
