// Live derived values (ASTCT grade, response category) while a CRF form is filled in. The server
// computes them with the same rules as on save, so the browser holds no clinical logic.
document.querySelectorAll("form[data-derived]").forEach((form) => {
  const output = document.getElementById(form.dataset.derived);
  let timer = null;
  let latest = 0;
  let inFlight = 0;
  // Busy while a refresh is scheduled or under way: what is shown may be about to change.
  const busy = (delta) => {
    inFlight += delta;
    output.setAttribute("aria-busy", timer !== null || inFlight > 0 ? "true" : "false");
  };
  const refresh = () => {
    timer = null;
    const asked = ++latest;
    const data = new FormData(form);
    data.set("_preview", "1");
    busy(1);
    fetch(window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : null))
      // An older answer arriving late must not replace a newer one.
      .then((html) => { if (html !== null && asked === latest) output.innerHTML = html; })
      .finally(() => busy(-1));
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
    busy(0);
  };
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", () => { clearTimeout(timer); timer = null; });
  refresh();
});
