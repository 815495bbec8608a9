// render-engine storefront reference page (docs/demo.md). Plain JS, no dependencies, no build step.
// Everything goes through the public /v1 API with the storefront-scoped key from the page's meta tag:
//   GET /v1/templates, /v1/templates/{id}, /v1/fonts   catalog
//   POST /v1/assets                                      photo upload -> asset_id
//   POST /v1/previews + POST /v1/preflight               live mockup + findings (debounced, aborted when stale)
//   POST /v1/jobs (Idempotency-Key), GET /v1/jobs/{id}   order and job state
//   GET /v1/jobs/{id}/files/{name}                       print files (a storefront key may read its own jobs')
//   GET /v1/design-templates?product=                    ready designs for the product (the template picker)
//   POST /v1/design-templates/{id}/fill                  a design template filled with the shopper's slots
"use strict";

const API_KEY = document.querySelector('meta[name="render-engine-key"]').content;
const DEBOUNCE_MS = 250;
const PREVIEW_WIDTH = 800;
const POLL_MS = 500;

const $ = (id) => document.getElementById(id);
const el = {
  template: $("template"), photo: $("photo"), photoStatus: $("photo-status"), text: $("text"), font: $("font"),
  size: $("size"), color: $("color"), view: $("view"), variant: $("variant"), variantLabel: $("variant-label"),
  preview: $("preview"), placeholder: $("preview-placeholder"), previewStatus: $("preview-status"),
  findings: $("findings"), echo: $("echo"), confirm: $("confirm"), order: $("order"), orderHint: $("order-hint"),
  job: $("job"), files: $("files"), side: $("side"), sideLabel: $("side-label"),
  design: $("design"), designNote: $("design-note"), slots: $("slots"), free: $("free"),
};

// Shared with the browser tests (tests/api/test_demo_browser.py): what the last preview showed.
const demo = (window.demo = {
  template: null,        // GET /v1/templates/{id}
  asset: null,           // POST /v1/assets response
  lastRequest: null,     // body of the last POST /v1/previews whose image is on screen
  preflight: null,       // POST /v1/preflight report for lastRequest.design
  previews: 0,           // previews shown so far
  job: null,             // last GET /v1/jobs/{id}
  error: null,           // the API error of the last preview attempt (e.g. font_error), else null
  ready: false,          // catalog loaded
  colorChosen: false,    // the shopper picked a text colour (else it follows the product)
  designTemplates: [],   // GET /v1/design-templates?product=<the product>
  designTemplate: null,  // the design template picked (its summary: slots with their constraints), or null
  slotPhotos: {},        // photo slot -> {asset_id} (a photos slot: a list of them)
  slotErrors: {},        // slot -> the API's message for it (from POST /v1/design-templates/{id}/fill)
});

let inflight = null;     // AbortController of the preview + preflight in flight
let timer = 0;
let seq = 0;
let previewUrl = null;
let orderKey = null;     // Idempotency-Key for the design in orderDesign (a retry re-sends the same key)
let orderDesign = null;
let ordering = false;

// ---------------------------------------------------------------------------------------------- API helpers

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.field = body && body.field;
    this.problems = (body && body.problems) || [];
  }
}

async function api(path, { method = "GET", json, body, headers = {}, signal, as = "json" } = {}) {
  const h = { "X-API-Key": API_KEY, ...headers };
  if (json !== undefined) {
    h["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  const res = await fetch(path, { method, headers: h, body, signal, cache: "no-store" });
  if (!res.ok) {
    let err = null;
    try { err = await res.json(); } catch (_) { /* not JSON */ }
    const e = new ApiError(res.status, err);
    e.retryAfter = Number(res.headers.get("Retry-After")) || 0;
    throw e;
  }
  if (as === "blob") return { blob: await res.blob(), headers: res.headers };
  return res.json();
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();  // secure contexts (localhost, https)
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function option(select, value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  select.append(o);
}

// ---------------------------------------------------------------------------------------------- the design

// Multi-surface products (docs/products.md): the design goes on the side picked (a t-shirt's back, a card's
// inside); a surface overrides the template's geometry and mockup where it says so.
function side() {
  const t = demo.template;
  return t && t.surfaces && Object.keys(t.surfaces).length ? el.side.value || Object.keys(t.surfaces)[0] : null;
}

function surfaceOf(t) {
  const name = side();
  const s = name ? t.surfaces[name] : {};
  const first = !name || name === Object.keys(t.surfaces)[0];
  return {
    trim: s.trim || t.trim,
    bleed_mm: s.bleed_mm ?? t.bleed_mm,
    safe_margin_mm: s.safe_margin_mm ?? t.safe_margin_mm,
    output: s.output || t.output,
    mockup: s.mockup || (first ? t.mockup : null),
  };
}

function rect(t) {
  const g = surfaceOf(t);
  const w = g.trim.width_mm, h = g.trim.height_mm, b = g.bleed_mm, s = g.safe_margin_mm;
  return {
    bleed: { x: -b, y: -b, width: w + 2 * b, height: h + 2 * b },
    safe: { x: s, y: s, width: w - 2 * s, height: h - 2 * s },
  };
}

function buildDesign() {
  const t = demo.template;
  if (!t) return null;
  const { bleed, safe } = rect(t);
  // Opaque products get a background in the product colour; DTG (transparent) prints leave the garment bare.
  const out = surfaceOf(t).output;
  const transparent = out && out.color === "rgba";
  const layers = transparent ? [] : [{ type: "background", color: t.product_color || "#ffffff" }];
  if (demo.asset) {
    // The photo covers the whole bleed box; the engine picks the crop (faces, else saliency).
    layers.push({ type: "image", asset_id: demo.asset.asset_id, box: bleed, fit: "cover", crop: "auto" });
  }
  const text = el.text.value.replace(/\r\n?/g, "\n").replace(/\n+$/, "");
  if (text.trim()) {
    const fam = demo.fonts.find((f) => f.id === el.font.value);
    const weight = fam && fam.styles.some((s) => s.weight === 700 && s.style === "normal") ? 700 : 400;
    layers.push({
      type: "text", text, font: { family: el.font.value, weight }, size: Number(el.size.value) || 24,
      color: el.color.value, box: safe, align: "center", valign: "middle", shrink_to_fit: true, min_size: 8,
    });
  }
  const design = { version: 1, template: t.id, meta: { title: "storefront demo" } };
  const name = side();
  if (!name && !t.pages) return { ...design, layers };
  if (name) design.surfaces = { [name]: { layers } };
  if (t.pages) design.pages = Array.from({ length: t.pages.count.min }, () => ({ layers: [] }));  // blank pages
  return design;
}

function designLayers(design) {
  // every layer of the design, whichever surface it is on (the echo of its texts)
  const on = Object.values(design.surfaces || {}).concat(design.pages || []);
  return (design.layers || []).concat(...on.map((s) => s.layers));
}

function previewRequest() {
  const design = buildDesign();
  if (!design) return null;
  const req = { design, width: PREVIEW_WIDTH, view: el.view.value || null };
  if (el.variant.value) req.variant = el.variant.value;
  if (side()) req.surface = side();
  return req;
}

// ---------------------------------------------------------------------------------------------- live preview

function schedulePreview() {
  clearTimeout(timer);
  timer = setTimeout(runPreview, DEBOUNCE_MS);
  invalidateOrder();
}

async function runPreview() {
  timer = 0;
  if (!demo.template) return;
  if (inflight) inflight.abort();  // a newer edit wins: the stale request is cancelled, not just ignored
  const ctl = (inflight = new AbortController());
  const mine = ++seq;
  let req = null;
  document.body.classList.add("busy");
  el.previewStatus.textContent = "Updating preview…";
  try {
    req = demo.designTemplate ? await templateRequest(ctl.signal, mine) : previewRequest();
    if (!req || mine !== seq) return;
    const [img, report] = await Promise.all([
      api("/v1/previews", { method: "POST", json: req, headers: { Accept: "image/jpeg" }, signal: ctl.signal, as: "blob" }),
      api("/v1/preflight", { method: "POST", json: { design: req.design }, signal: ctl.signal }),
    ]);
    if (mine !== seq) return;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(img.blob);
    await new Promise((resolve) => {
      el.preview.onload = resolve;
      el.preview.onerror = resolve;
      el.preview.src = previewUrl;
    });
    el.preview.hidden = false;
    el.placeholder.hidden = true;
    demo.lastRequest = req;
    demo.previewEtag = img.headers.get("ETag");  // the preview the customer sees: part of their approval
    demo.preflight = report;
    demo.previews += 1;
    demo.error = null;
    el.preview.classList.remove("stale");
    el.previewStatus.textContent = `Preview ${PREVIEW_WIDTH} px · ${req.view || "default"} view`;
    showFindings(report, null);
    showEcho(report, req.design);
  } catch (e) {
    if (e.name === "AbortError" || mine !== seq) return;
    if (e.status === 429 && e.retryAfter) {
      el.previewStatus.textContent = `The server is busy; retrying in ${e.retryAfter} s…`;
      timer = setTimeout(runPreview, e.retryAfter * 1000);
      return;  // keeps the last good preview; the order stays disabled until this one lands
    }
    demo.lastRequest = null;
    demo.preflight = null;
    demo.error = e;
    el.preview.classList.add("stale");
    el.previewStatus.textContent = "The preview could not be made (the image shows the last design that worked).";
    showFindings(null, e);
    showEcho(null, req ? req.design : { layers: [] });
  } finally {
    if (mine === seq) {
      document.body.classList.remove("busy");
      inflight = null;
      updateOrderButton();
    }
  }
}

// ---------------------------------------------------------------------------------------------- findings

const TITLES = {
  "image.resolution_too_low": "Photo resolution too low",
  "image.resolution_low": "Photo resolution is low",
  "image.upscaled": "Photo is enlarged a lot",
  "image.decode_failed": "Photo could not be read",
  "safe.text_outside": "Text outside the safe zone",
  "safe.text_over_mask": "Text over a hole in the product",
  "safe.text_crosses_cut": "Text crosses the cut line",
  "bleed.missing": "Photo does not reach the edge",
  "text.overflow": "Text does not fit",
  "text.fallback_font": "Some characters use another font",
  "text.too_small": "Text is very small",
  "text.spaces": "Extra spaces",
  "text.invisible_characters": "Invisible characters in the text",
  "text.bidi_control": "Direction control characters in the text",
  "text.joiners": "Joiner characters in the text",
  "text.mixed_scripts": "Mixed alphabets in one word",
  "text.low_contrast": "Text is hard to read on its background",
  "shape.hairline": "Very thin line",
  "color.total_ink": "Very dark photo areas",
  "color.out_of_gamut": "Some colours will print duller",
};

function fmt(v) {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(1);
  if (Array.isArray(v)) return v.join(", ");
  return String(v);
}

function measuredLine(f) {
  if (f.measured === undefined || f.measured === null) return "";
  if (f.unit === "dpi") {
    const need = f.code === "image.resolution_too_low" ? "needs at least" : "recommended";
    return `Measured ${fmt(f.measured)} DPI (${need} ${fmt(f.required)} DPI).`;
  }
  if (f.code === "safe.text_outside") return `${fmt(f.measured)} mm outside the safe zone.`;
  if (f.unit === "ratio") return `Contrast ${fmt(f.measured)} : 1 (at least ${fmt(f.required)} : 1 reads well).`;
  if (f.unit) return `Measured ${fmt(f.measured)} ${f.unit} (limit ${fmt(f.required)} ${f.unit}).`;
  return "";
}

function li(cls, title, ...lines) {
  const item = document.createElement("li");
  item.className = cls;
  const s = document.createElement("strong");
  s.textContent = title;
  item.append(s);
  for (const line of lines.filter(Boolean)) {
    const span = document.createElement("span");
    span.textContent = line + " ";
    item.append(span);
  }
  return item;
}

function showFindings(report, error) {
  el.findings.replaceChildren();
  if (error) {
    const title = error.code === "font_error"
      ? "A character cannot be printed" : "This design cannot be made yet";
    const item = li("error", title, error.message);
    item.dataset.code = error.code || "error";
    el.findings.append(item);
    return;
  }
  if (!report.findings.length) {
    el.findings.append(li("ok", "No problems found"));
    return;
  }
  for (const f of report.findings) {
    const item = li(f.severity, `${TITLES[f.code] || f.code} (${f.severity})`, f.message, measuredLine(f));
    item.dataset.code = f.code;
    el.findings.append(item);
  }
}

function showEcho(report, design) {
  el.echo.replaceChildren();
  const texts = report ? report.texts.map((t) => t.text) : designLayers(design).filter((l) => l.type === "text").map((l) => l.text);
  // exactly as it will print; spacing nobody can see in it is said in words
  const notes = report ? report.texts.filter((t) => t.spaces && t.spaces.length).map((t) => `(${t.spaces.join(", ")})`) : [];
  el.echo.textContent = texts.concat(notes).join("\n");
  el.confirm.checked = false;
  el.confirm.disabled = !report || !texts.length;
}

// ---------------------------------------------------------------------------------------------- order

function invalidateOrder() {
  el.confirm.checked = false;
  el.confirm.disabled = true;
  updateOrderButton();
}

function updateOrderButton() {
  const report = demo.preflight;
  let hint = "";
  if (inflight || timer || (!report && !demo.error)) hint = "Waiting for the preview…";
  else if (Object.keys(demo.slotErrors).length) hint = "Fill in the marked fields first.";
  else if (!report) hint = "Fix the problems marked in red first.";
  else if (!report.ok) hint = "Fix the problems marked in red first.";
  else if (report.texts.length && !el.confirm.checked) hint = "Confirm the spelling to order.";
  el.order.disabled = !!hint || ordering;
  el.orderHint.textContent = hint;
}

async function placeOrder() {
  const design = demo.lastRequest && demo.lastRequest.design;
  if (!design) return;
  const req = demo.lastRequest;
  // the customer's approval: the texts they confirmed and the preview they saw (the API refuses the order
  // with 409 approval_mismatch if this design no longer produces them)
  const approval = { text_hash: demo.preflight.text_hash };
  if (demo.previewEtag) {
    approval.preview = { etag: demo.previewEtag, width: req.width, view: req.view || null, variant: req.variant || null };
    if (req.surface) approval.preview.surface = req.surface;
  }
  const body = { design, priority: "standard", approval };
  const text = JSON.stringify(body);
  if (orderDesign !== text) {  // same design -> same key, so a double click or retry is the same job
    orderDesign = text;
    orderKey = uuid();
  }
  ordering = true;
  el.order.disabled = true;
  el.files.replaceChildren();
  el.job.textContent = "Sending order…";
  try {
    const acc = await api("/v1/jobs", { method: "POST", json: body, headers: { "Idempotency-Key": orderKey } });
    el.job.textContent = `Job ${acc.job_id}: ${acc.state}`;
    let job;
    for (;;) {
      job = await api(`/v1/jobs/${acc.job_id}`);
      demo.job = job;
      el.job.textContent = `Job ${job.id}: ${job.state}`;
      if (job.state === "ready" || job.state === "failed") break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    if (job.state === "failed") {
      el.job.textContent = `Job ${job.id} failed: ${job.error ? job.error.message : "unknown reason"}`;
      return;
    }
    await linkFiles(job);
  } catch (e) {
    el.job.textContent = `Order failed: ${e.message}`;
  } finally {
    ordering = false;
    updateOrderButton();
  }
}

async function linkFiles(job) {
  // Downloads need the X-API-Key header, so each file is fetched as a blob and linked by an object URL.
  for (const a of job.artifacts) {
    const item = document.createElement("li");
    try {
      const { blob } = await api(a.url, { as: "blob" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `${job.id}-${a.name}`;
      link.dataset.name = a.name;
      link.textContent = `${a.name} (${Math.round(a.bytes / 1024)} KB, ${a.content_type})`;
      item.append(link);
    } catch (e) {
      item.textContent = `${a.name}: ${e.status === 403 ? "only the print unit may download this file" : e.message}`;
    }
    el.files.append(item);
  }
  if (previewUrl) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = previewUrl;
    link.download = `${job.id}-preview.jpg`;
    link.textContent = "the mockup preview you approved (JPEG)";
    item.append(link);
    el.files.append(item);
  }
}

// ---------------------------------------------------------------------------------------------- catalog + events

async function uploadPhoto() {
  const file = el.photo.files[0];
  if (!file) return;
  el.photoStatus.textContent = "Uploading…";
  try {
    const asset = await api("/v1/assets", { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } });
    demo.asset = asset;
    el.photoStatus.textContent = `Photo ${asset.width} × ${asset.height} px (${asset.format}) uploaded.`;
    schedulePreview();
  } catch (e) {
    el.photoStatus.textContent = `Upload refused: ${e.message}`;
  }
}

// The text colour starts as one that reads on the product (dark on a light product, white on a dark one)
// and follows the product until the shopper picks a colour.
function contrastingColor(hex) {
  const n = parseInt((hex || "#ffffff").slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? "#1a1a1a" : "#ffffff";
}

async function selectTemplate() {
  const t = await api(`/v1/templates/${encodeURIComponent(el.template.value)}`);
  demo.template = t;
  if (!demo.colorChosen) el.color.value = contrastingColor(t.product_color);
  el.job.textContent = "";
  el.files.replaceChildren();
  await loadDesignTemplates();
  selectSide();
}

// The Side picker: the product's surfaces, or with a design template picked, the surfaces that template prints
// on this product (GET /v1/design-templates' "surfaces": a cushion template may print its front only), so every
// side offered has a preview. The side shown stays when it is still offered.
function fillSides() {
  const t = demo.template;
  const dt = demo.designTemplate;
  const printed = dt && dt.surfaces && dt.surfaces[t.id];
  const keep = el.side.value;
  el.side.replaceChildren();
  for (const [name, s] of Object.entries(t.surfaces || {})) {
    if (!printed || printed.includes(name)) option(el.side, name, s.label || name);
  }
  if ([...el.side.options].some((o) => o.value === keep)) el.side.value = keep;
  el.sideLabel.hidden = !el.side.options.length;
}

function selectSide() {
  const m = surfaceOf(demo.template).mockup || { views: {}, variants: {} };
  el.view.replaceChildren();
  for (const [name, v] of Object.entries(m.views || {})) option(el.view, name, v.label || name);
  // The front view shows the middle of the print, where the text goes; else the template's default.
  el.view.value = m.views && m.views.front ? "front" : m.default_view || "";
  el.variant.replaceChildren();
  const variants = Object.entries(m.variants || {});
  for (const [name, v] of variants) option(el.variant, name, v.label || name);
  if (variants.length) el.variant.value = m.default_variant || variants[0][0];
  el.variantLabel.hidden = !variants.length;
  schedulePreview();
}

// ---------------------------------------------------------------------------------------------- design templates

// The template picker (docs/demo.md): the ready designs that fit the product; picking one replaces the free
// photo + text controls by one field per slot, with the slot's constraints (length, fonts, colours, dates,
// photos). The design shown is the template filled by the API; its slot errors are shown next to each field.
async function loadDesignTemplates() {
  const { design_templates: found } = await api(`/v1/design-templates?product=${encodeURIComponent(el.template.value)}`);
  demo.designTemplates = found;
  const keep = el.design.value;
  el.design.replaceChildren();
  option(el.design, "", "Your own (photo + text)");
  for (const t of found) option(el.design, t.id, `${t.name} (${t.language})`);
  el.design.value = found.some((t) => t.id === keep) ? keep : "";
  selectDesign();
}

function selectDesign() {
  const t = demo.designTemplates.find((d) => d.id === el.design.value) || null;
  const changed = (t && t.id) !== (demo.designTemplate && demo.designTemplate.id);
  demo.designTemplate = t;
  el.free.hidden = !!t;
  el.slots.hidden = !t;
  el.designNote.hidden = !t;
  el.designNote.textContent = t ? (t.description || `${Object.keys(t.slots).length} fields to fill`) : "";
  fillSides();
  if (!changed) return;
  demo.slotPhotos = {};
  demo.slotErrors = {};
  el.slots.replaceChildren();
  if (t) for (const [name, slot] of Object.entries(t.slots)) el.slots.append(slotField(name, slot));
}

function constraintHint(slot) {
  const parts = [];
  if (slot.max_length) parts.push(`up to ${slot.max_length} characters`);
  if (slot.scripts && slot.scripts.length) parts.push(slot.scripts.join(" or "));
  if (slot.type === "photo" || slot.type === "photos") parts.push(`at least ${slot.min_dpi} dpi`);
  if (slot.type === "photos") parts.push(`${slot.min_count}–${slot.max_count} photos`);
  if (!slot.required) parts.push("optional");
  return parts.join(" · ");
}

function choice(name, what, list, label) {
  const sel = document.createElement("select");
  sel.id = `slot-${name}-${what}`;
  sel.dataset.slot = name;
  sel.dataset.style = what;
  option(sel, "", `${label}: as designed`);
  for (const v of list) option(sel, String(v), what === "font" ? ((demo.fonts.find((f) => f.id === v) || {}).family || v) : String(v));
  sel.addEventListener("change", schedulePreview);
  return sel;
}

function slotField(name, slot) {
  const box = document.createElement("div");
  box.className = "slot";
  const label = document.createElement("label");
  label.textContent = slot.label + (slot.required ? " *" : "");
  const hint = document.createElement("span");
  hint.className = "hint";
  hint.textContent = constraintHint(slot);
  let input;
  if (slot.type === "photo" || slot.type === "photos") {
    input = document.createElement("input");
    input.type = "file";
    input.accept = "image/jpeg,image/png,image/webp,image/heic,image/avif,image/tiff";
    input.multiple = slot.type === "photos";
    input.addEventListener("change", () => uploadSlotPhotos(name, slot, input));
  } else {
    input = document.createElement("input");
    input.type = slot.type === "date" ? "date" : "text";
    input.placeholder = slot.default || "";
    input.spellcheck = true;
    input.addEventListener("input", schedulePreview);
  }
  input.id = `slot-${name}`;
  input.dataset.slot = name;
  label.append(hint, input);
  box.append(label);
  if (slot.type === "text") {
    const row = document.createElement("div");
    row.className = "row";
    if (slot.fonts && slot.fonts.length) row.append(choice(name, "font", slot.fonts, "Font"));
    if (slot.colors && slot.colors.length) row.append(choice(name, "color", slot.colors, "Colour"));
    if (slot.sizes && slot.sizes.length) row.append(choice(name, "size", slot.sizes, "Size"));
    if (row.children.length) box.append(row);
  }
  const err = document.createElement("p");
  err.className = "slot-error";
  err.dataset.slot = name;
  err.setAttribute("aria-live", "polite");
  box.append(err);
  return box;
}

async function uploadSlotPhotos(name, slot, input) {
  const err = el.slots.querySelector(`.slot-error[data-slot="${name}"]`);
  err.textContent = "Uploading…";
  try {
    const ids = [];
    for (const file of input.files) {
      const a = await api("/v1/assets", { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } });
      ids.push({ asset_id: a.asset_id });
    }
    demo.slotPhotos[name] = slot.type === "photos" ? ids : ids[0];
    err.textContent = "";
    schedulePreview();
  } catch (e) {
    err.textContent = `Upload refused: ${e.message}`;
  }
}

function slotInputs() {
  const values = {};
  for (const input of el.slots.querySelectorAll("input[type=text], input[type=date]")) {
    if (input.value !== "") values[input.dataset.slot] = input.value;
  }
  for (const sel of el.slots.querySelectorAll("select[data-style]")) {
    if (sel.value !== "") values[`${sel.dataset.slot}.${sel.dataset.style}`] = sel.dataset.style === "size" ? Number(sel.value) : sel.value;
  }
  return { values, photos: { ...demo.slotPhotos } };
}

function showSlotErrors() {
  for (const err of el.slots.querySelectorAll(".slot-error")) {
    const msg = demo.slotErrors[err.dataset.slot];
    if (err.textContent !== "Uploading…") err.textContent = msg || "";
    const input = el.slots.querySelector(`#slot-${err.dataset.slot}`);
    if (input) input.classList.toggle("invalid", !!msg);
  }
}

// The template filled with the shopper's fields -> the preview request. Fields still empty or wrong are
// reported by slot, and the preview then shows the template with its placeholders (and default texts) there.
async function templateRequest(signal, mine) {
  const t = demo.designTemplate;
  const { values, photos } = slotInputs();
  const path = `/v1/design-templates/${encodeURIComponent(t.id)}/fill`;
  const body = { product: el.template.value, values, photos };
  const errors = {};
  let design;
  try {
    design = (await api(path, { method: "POST", json: body, signal })).design;
  } catch (e) {
    if (e.name === "AbortError" || e.status !== 422) throw e;
    for (const p of e.problems.length ? e.problems : [e]) {
      const slot = String(p.field || "").split(".")[1] || "";
      const key = slot.replace(/\[\d+\]$/, "");
      if (key && !errors[key]) errors[key] = p.message;
    }
    // with placeholders in the empty fields; a field that is wrong (too long, a character the template's
    // fonts cannot print) is still an error: that preview fails and the last good one stays
    design = (await api(path, { method: "POST", json: { ...body, placeholders: true }, signal })).design;
  } finally {
    if (mine === seq) {
      demo.slotErrors = errors;
      showSlotErrors();
    }
  }
  const req = { design, width: PREVIEW_WIDTH, view: el.view.value || null };
  if (el.variant.value) req.variant = el.variant.value;
  if (side()) req.surface = side();
  return req;
}

async function init() {
  const [{ templates }, { fonts }] = await Promise.all([api("/v1/templates"), api("/v1/fonts")]);
  demo.fonts = fonts;
  for (const t of templates) option(el.template, t.id, t.name);
  el.template.value = templates.some((t) => t.id === "mug-11oz") ? "mug-11oz" : templates[0].id;
  for (const f of fonts) option(el.font, f.id, `${f.family} (${f.scripts.join(", ")})`);
  el.font.value = fonts.some((f) => f.id === "dancing-script") ? "dancing-script" : fonts[0].id;
  el.template.addEventListener("change", selectTemplate);
  el.side.addEventListener("change", selectSide);
  el.photo.addEventListener("change", uploadPhoto);
  for (const input of [el.text, el.size, el.color]) input.addEventListener("input", schedulePreview);
  el.color.addEventListener("input", () => { demo.colorChosen = true; });
  for (const input of [el.font, el.view, el.variant]) input.addEventListener("change", schedulePreview);
  el.design.addEventListener("change", () => {
    const side = el.side.value;
    selectDesign();
    if (el.side.value !== side) selectSide();  // the side shown is not printed by this design: its views
    else schedulePreview();
  });
  el.confirm.addEventListener("change", updateOrderButton);
  el.order.addEventListener("click", placeOrder);
  await selectTemplate();
  demo.ready = true;
}

init().catch((e) => {
  el.previewStatus.textContent = `Could not load the catalog: ${e.message}`;
});
