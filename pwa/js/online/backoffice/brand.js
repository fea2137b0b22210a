// The back office's Brand tab (#admin, online/backoffice.js): the firm's white label, its
// app name, colours, logo and mail texts (docs/brand.md), saved whole with PUT /brand and the
// logo with PUT /brand/logo. A live preview shows a header and a button in the chosen
// colours; a colour that white text cannot be read on (below 4.5:1, WCAG 2.1 SC 1.4.3) is
// flagged next to its field as it is typed, with its ratio, and the server refuses it the same.

import { request } from "../../api.js";
import { addStrings, t, textLocale } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, setFieldError, showRefusal } from "./directory-form.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.brand.heading": ["Marque", "Brand"],
  "bo.brand.intro": [
    "Le nom, les couleurs et le logo de votre cabinet dans l'application, sur l'icône du téléphone, dans les e-mails et sur les factures.",
    "Your firm's name, colours and logo in the app, on the phone's icon, in e-mails and on invoices.",
  ],
  "bo.brand.app_name": ["Nom de l'application", "App name"],
  "bo.brand.app_name_hint": [
    "Affiché en haut de chaque écran (60 caractères au plus).",
    "Shown at the top of every screen (60 characters at most).",
  ],
  "bo.brand.short_name": ["Nom court", "Short name"],
  "bo.brand.short_name_hint": [
    "Sous l'icône du téléphone (12 caractères au plus).",
    "Under the phone's icon (12 characters at most).",
  ],
  "bo.brand.primary_color": ["Couleur principale", "Main colour"],
  "bo.brand.primary_color_hint": [
    "Fond de l'en-tête et des boutons, sous un texte blanc : #rrggbb.",
    "Background of the header and buttons, under white text: #rrggbb.",
  ],
  "bo.brand.accent_color": ["Couleur des factures", "Invoice colour"],
  "bo.brand.accent_color_hint": [
    "Titres des factures ; vide : la couleur principale.",
    "Invoice titles; empty: the main colour.",
  ],
  "bo.brand.pick": ["Choisir la couleur", "Pick the colour"],
  "bo.brand.email_sender_name": ["Nom de l'expéditeur des e-mails", "E-mail sender name"],
  "bo.brand.email_footer": ["Pied de page des e-mails", "E-mail footer"],
  "bo.brand.logo": ["Logo (PNG)", "Logo (PNG)"],
  "bo.brand.logo_hint": [
    "PNG de 64 à 2048 pixels de côté, 200 Ko au plus ; il sert aussi d'icône sur le téléphone.",
    "PNG of 64 to 2048 pixels a side, 200 KB at most; it is also the phone's icon.",
  ],
  "bo.brand.logo_remove": ["Retirer le logo", "Remove the logo"],
  "bo.brand.logo_saved": ["Logo enregistré.", "Logo saved."],
  "bo.brand.logo_removed": ["Logo retiré.", "Logo removed."],
  "bo.brand.no_logo": ["Aucun logo : l'icône de Carnet.", "No logo: Carnet's icon."],
  "bo.brand.preview": ["Aperçu", "Preview"],
  "bo.brand.preview_button": ["Valider le mois", "Validate the month"],
  "bo.brand.save": ["Enregistrer", "Save"],
  "bo.brand.saved": [
    "Marque enregistrée : elle s'applique au prochain chargement de chaque écran.",
    "Brand saved: it applies the next time each screen loads.",
  ],
  "bo.brand.contrast_ok": ["Contraste {ratio}:1 avec le blanc.", "Contrast {ratio}:1 with white."],
  "bo.brand.low_contrast": [
    "Contraste {ratio}:1 avec le blanc : il faut au moins 4,5:1 (WCAG 2.1, critère 1.4.3, niveau AA). Choisissez une couleur plus foncée.",
    "Contrast {ratio}:1 with white: at least 4.5:1 is needed (WCAG 2.1, criterion 1.4.3, level AA). Choose a darker colour.",
  ],
  "bo.brand.err.primary_color.invalid": [
    "Écrivez la couleur #rrggbb, par exemple #1f4e79.",
    "Write the colour #rrggbb, for example #1f4e79.",
  ],
  "bo.brand.err.accent_color.invalid": [
    "Écrivez la couleur #rrggbb, ou laissez vide.",
    "Write the colour #rrggbb, or leave it empty.",
  ],
  "bo.brand.err.email_sender_name.invalid": [
    "Sans \" \\ , ; : ni @.",
    "No \" \\ , ; : or @.",
  ],
  "bo.brand.err.logo.not_png": [
    "Le logo doit être une image PNG.",
    "The logo must be a PNG image.",
  ],
  "bo.brand.err.logo.too_large": ["Le logo dépasse 200 Ko.", "The logo is over 200 KB."],
  "bo.brand.err.logo.bad_size": [
    "Chaque côté du logo doit mesurer de 64 à 2048 pixels.",
    "Each side of the logo must be 64 to 2048 pixels.",
  ],
};
addStrings(STRINGS);

const HEX = /^#[0-9a-fA-F]{6}$/;

/**
 * WCAG 2.1 contrast ratio of a #rrggbb colour with white (server/domain/brand.py, the same
 * formula), or null for a colour not written #rrggbb.
 * @param {string} hex
 */
export function ratioOnWhite(hex) {
  if (!HEX.test(hex)) return null;
  const channel = (/** @type {number} */ i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (l + 0.05);
}

/** The ratio as shown: two decimals, never rounded up to a pass. @param {number} ratio */
function shown(ratio) {
  const text = ratio < 4.5 ? Math.min(ratio, 4.49).toFixed(2) : ratio.toFixed(2);
  return textLocale() === "fr" ? text.replace(".", ",") : text;
}

let styled = false;
function ensureOwnStyles() {
  ensureStyles();
  if (styled) return;
  styled = true;
  document.head.append(h("link", { rel: "stylesheet", href: "/js/online/backoffice/brand-tab.css" }));
}

/** @param {Blob} file @returns {Promise<string>} the file's bytes in base64 */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {unknown} _props
 */
export async function mount(container, _props) {
  ensureOwnStyles();
  let current = await request("GET", "/brand");
  /** @param {string} value @param {Record<string, string>} [extra] */
  const text = (value, extra = {}) =>
    /** @type {HTMLInputElement} */ (h("input", { type: "text", value, autocomplete: "off", ...extra }));
  const inputs = {
    app_name: text(current.customised ? current.app_name : "", { maxlength: "60" }),
    short_name: text(current.customised ? current.short_name : "", { maxlength: "12" }),
    primary_color: text(current.primary_color, { maxlength: "7", spellcheck: "false", class: "bo-brand-hex" }),
    accent_color: text(current.accent_color, { maxlength: "7", spellcheck: "false", class: "bo-brand-hex" }),
    email_sender_name: text(current.email_sender_name, { maxlength: "60" }),
    email_footer: /** @type {HTMLTextAreaElement} */ (h("textarea", { rows: "3", maxlength: "500" })),
  };
  inputs.email_footer.value = current.email_footer;

  // The preview: a header and a button in the chosen colours (CSSOM, allowed by the CSP).
  const previewLogo = /** @type {HTMLImageElement} */ (h("img", { class: "bo-brand-logo", alt: "", hidden: true }));
  const previewName = h("span", { "data-testid": "brand-preview-name" });
  const previewBar = h("div", { class: "bo-brand-bar", "data-testid": "brand-preview-bar" }, previewLogo, previewName);
  const previewButton = h("span", { class: "bo-brand-button" }, t("bo.brand.preview_button"));
  const preview = h(
    "figure",
    { class: "bo-brand-preview card" },
    h("figcaption", {}, t("bo.brand.preview")),
    previewBar,
    h("p", {}, previewButton),
  );
  const showLogo = (/** @type {string | null} */ url) => {
    previewLogo.hidden = !url;
    if (url) previewLogo.src = url;
    logoNote.textContent = url ? "" : t("bo.brand.no_logo");
    removeLogo.hidden = !url;
  };

  /** Flag a colour next to its field, with its ratio, as it is typed. @param {"primary_color" | "accent_color"} name */
  const checkColour = (name) => {
    const value = inputs[name].value.trim();
    const ratio = ratioOnWhite(value);
    const line = document.getElementById(`brand-${name}-ratio`);
    if (line) line.textContent = ratio !== null && ratio >= 4.5 ? t("bo.brand.contrast_ok", { ratio: shown(ratio) }) : "";
    if (ratio !== null && ratio < 4.5) setFieldError(inputs[name], t("bo.brand.low_contrast", { ratio: shown(ratio) }));
    else setFieldError(inputs[name], "");
    return ratio;
  };
  const refresh = () => {
    previewName.textContent = inputs.app_name.value.trim() || "Carnet";
    const primary = inputs.primary_color.value.trim();
    // A colour refused for its contrast is not previewed: the last readable one stays.
    if ((ratioOnWhite(primary) ?? 0) >= 4.5) {
      previewBar.style.setProperty("background-color", primary);
      previewButton.style.setProperty("background-color", primary);
      pickers.primary_color.value = primary.toLowerCase();
    }
    const accent = inputs.accent_color.value.trim();
    if (HEX.test(accent)) pickers.accent_color.value = accent.toLowerCase();
  };
  /** @param {"primary_color" | "accent_color"} name */
  const picker = (name) =>
    /** @type {HTMLInputElement} */ (
      h("input", {
        type: "color",
        class: "bo-brand-picker",
        "aria-label": `${t("bo.brand.pick")} : ${t(`bo.brand.${name}`)}`,
        value: HEX.test(inputs[name].value) ? inputs[name].value.toLowerCase() : "#1f4e79",
        "data-testid": `brand-${name}-picker`,
      })
    );
  const pickers = { primary_color: picker("primary_color"), accent_color: picker("accent_color") };
  for (const name of /** @type {const} */ (["primary_color", "accent_color"])) {
    inputs[name].setAttribute("data-testid", `brand-${name}`);
    inputs[name].addEventListener("input", () => {
      checkColour(name);
      refresh();
    });
    pickers[name].addEventListener("input", () => {
      inputs[name].value = pickers[name].value;
      checkColour(name);
      refresh();
    });
  }
  inputs.app_name.setAttribute("data-testid", "brand-app_name");
  inputs.short_name.setAttribute("data-testid", "brand-short_name");
  inputs.app_name.addEventListener("input", refresh);

  /** @param {keyof typeof inputs} name @param {boolean} [hint] */
  const f = (name, hint = false) =>
    field(`brand-${name}`, t(`bo.brand.${name}`), inputs[name], {
      optional: name !== "primary_color",
      hint: hint ? t(`bo.brand.${name}_hint`) : "",
    });
  /** @param {"primary_color" | "accent_color"} name */
  const colourField = (name) => {
    const block = f(name, true);
    const row = h("div", { class: "bo-brand-colour" });
    inputs[name].replaceWith(row);
    row.append(inputs[name], pickers[name]);
    inputs[name].setAttribute("aria-describedby", `brand-${name}-hint brand-${name}-ratio`);
    block.append(h("p", { class: "hint muted", id: `brand-${name}-ratio`, "aria-live": "polite" }));
    return block;
  };

  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const status = h("p", { class: "notice", role: "status", hidden: true, "data-testid": "brand-saved" });
  const submit = h("button", { type: "submit", class: "primary", "data-testid": "brand-save" }, t("bo.brand.save"));
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "card stack bo-form bo-brand", novalidate: true, "data-testid": "brand-form" },
      box,
      f("app_name", true),
      f("short_name", true),
      colourField("primary_color"),
      colourField("accent_color"),
      f("email_sender_name"),
      f("email_footer"),
      submit,
    )
  );

  // The logo: its own form, sent as soon as it is chosen.
  const file = /** @type {HTMLInputElement} */ (
    h("input", { type: "file", accept: "image/png", "data-testid": "brand-logo-file" })
  );
  const logoNote = h("p", { class: "hint muted" });
  const logoBox = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const removeLogo = h("button", { type: "button", class: "secondary small", "data-testid": "brand-logo-remove" }, t("bo.brand.logo_remove"));
  const logoForm = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "card stack bo-form", novalidate: true, "data-testid": "brand-logo-form" },
      logoBox,
      field("brand-logo", t("bo.brand.logo"), file, { hint: t("bo.brand.logo_hint") }),
      logoNote,
      removeLogo,
    )
  );
  file.setAttribute("aria-describedby", "brand-logo-hint");
  const logoDone = (/** @type {any} */ saved, /** @type {string} */ key) => {
    current = saved;
    showLogo(saved.logo_url);
    status.textContent = t(key);
    status.hidden = false;
    announce(status.textContent);
    logoForm.setAttribute("aria-busy", "false");
  };
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    clearErrors(logoForm, logoBox);
    logoForm.setAttribute("aria-busy", "true");
    try {
      logoDone(await request("PUT", "/brand/logo", { png_base64: await base64Of(chosen) }), "bo.brand.logo_saved");
    } catch (error) {
      showRefusal(error, { form: logoForm, box: logoBox, prefix: "bo.brand", inputFor: () => file });
    }
  });
  removeLogo.addEventListener("click", async () => {
    clearErrors(logoForm, logoBox);
    try {
      logoDone(await request("DELETE", "/brand/logo"), "bo.brand.logo_removed");
    } catch (error) {
      showRefusal(error, { form: logoForm, box: logoBox, prefix: "bo.brand", inputFor: () => null });
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    status.hidden = true;
    const body = Object.fromEntries(
      Object.entries(inputs).map(([name, input]) => [name, input.value.trim()]),
    );
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    try {
      current = await request("PUT", "/brand", body);
      status.textContent = t("bo.brand.saved");
      status.hidden = false;
      announce(status.textContent);
      form.setAttribute("aria-busy", "false");
    } catch (error) {
      showRefusal(error, {
        form,
        box,
        prefix: "bo.brand",
        inputFor: (name) => inputs[/** @type {keyof typeof inputs} */ (name)] ?? null,
      });
      // A colour refused for its contrast: its ratio next to it, in the person's language.
      for (const { field: name, code } of /** @type {any} */ (error).errors ?? []) {
        if (code === "low_contrast") {
          const ratio = ratioOnWhite(inputs[/** @type {"primary_color"} */ (name)].value.trim());
          if (ratio !== null)
            setFieldError(inputs[/** @type {"primary_color"} */ (name)], t("bo.brand.low_contrast", { ratio: shown(ratio) }));
        }
      }
    } finally {
      submit.setAttribute("aria-disabled", "false");
    }
  });

  container.replaceChildren(
    h("h2", { id: "brand-heading" }, t("bo.brand.heading")),
    h("p", { class: "muted" }, t("bo.brand.intro")),
    status,
    h("div", { class: "bo-brand-layout" }, form, h("div", { class: "stack" }, preview, logoForm)),
  );
  showLogo(current.logo_url);
  refresh();
  checkColour("primary_color");
  checkColour("accent_color");
}
