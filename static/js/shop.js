// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

const narrow = window.matchMedia("(max-width: 800px)");
let filtersOpen = false; // on small screens the filters start folded, results first

function foldFilters() {
  const panel = document.querySelector(".filter-panel");
  if (panel) panel.open = !narrow.matches || filtersOpen;
}

document.addEventListener("DOMContentLoaded", foldFilters);
narrow.addEventListener("change", foldFilters);

// The server always sends the filters open; remember how the shopper left them.
document.addEventListener("htmx:beforeSwap", () => {
  const panel = document.querySelector(".filter-panel");
  if (panel && narrow.matches) filtersOpen = panel.open;
});

// On a phone the results sit below the whole filter panel: its "Show n results" link folds
// the panel and brings the shopper to them (without JavaScript it is a plain jump there).
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("[data-show-results]");
  if (!link) return;
  event.preventDefault();
  const panel = link.closest(".filter-panel");
  if (panel) panel.open = false;
  filtersOpen = false;
  const heading = document.getElementById("results-heading");
  heading?.scrollIntoView();
  heading?.focus();
});

// After an in-place swap: keep the filters as the shopper left them; keep the header's
// search box in step with the search shown; read out what the new fragment marks
// data-announce (a live region swapped in is not reliably announced); and move focus to its
// data-swap-focus heading if the control that had it is gone (paging).
document.addEventListener("htmx:afterSettle", (event) => {
  const id = event.detail?.target?.id;
  const region = id && document.getElementById(id);
  if (!region) return;
  foldFilters();
  const searchBox = document.getElementById("site-search");
  if (searchBox && "searchQuery" in region.dataset) searchBox.value = region.dataset.searchQuery;
  const news = region.querySelector("[data-announce]");
  const announcer = document.getElementById("announcer");
  if (news && announcer) announcer.textContent = news.textContent.trim();
  if (!document.activeElement || document.activeElement === document.body) {
    region.querySelector("[data-swap-focus]")?.focus();
  }
});

// The header's cart badge follows every cart change (the server sends the new count).
document.addEventListener("cart-changed", (event) => {
  const badge = document.getElementById("cart-count");
  const count = event.detail?.count;
  if (!badge || count === undefined) return;
  badge.textContent = count;
  badge.setAttribute("aria-label", `${count} item${count === 1 ? "" : "s"}`);
});

// A quantity changed again while its previous change was on its way (arrow keys, the
// spinner): that answer is already stale, and swapping it in would replace the form whose
// newer change waits in the queue (hx-sync), so htmx would drop it. Skip it; the newer
// change goes out next and brings the lines as they now are.
document.addEventListener("htmx:beforeSwap", (event) => {
  const { requestConfig } = event.detail;
  const form = requestConfig?.elt;
  if (!form?.matches?.(".cart-quantity")) return;
  if (requestConfig.formData?.get("quantity") !== form.elements.quantity.value) {
    event.detail.shouldSwap = false;
  }
});
