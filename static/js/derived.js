// Live derived values (ASTCT grade, response category) while a CRF form is filled in. The server
// computes them with the same rules as on save, so the browser holds no clinical logic.
document.querySelectorAll("form[data-derived]").forEach((form) => {
  const output = document.getElementById(form.dataset.derived);
  let timer;
  const refresh = () => {
    const data = new FormData(form);
    data.set("_preview", "1");
    fetch(window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((html) => { output.innerHTML = html; });
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  form.addEventListener("change", refresh);
  refresh();
});
