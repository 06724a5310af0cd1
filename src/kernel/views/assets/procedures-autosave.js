// Saves a dossier's draft while the person types: a form marked data-autosave="<url>"
// is posted (without its files, sent only by the buttons) a few seconds after the
// last change, with the header X-Autosave: 1; the server answers JSON. Without
// JavaScript nothing changes: the "Enregistrer le brouillon" button does the same.
(() => {
  const form = document.querySelector("form[data-autosave]");
  if (!form?.dataset.autosave || !window.fetch || !window.FormData) return;
  const status = form.querySelector("[data-autosave-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  const french = document.documentElement.lang !== "en";
  let timer;
  let running = false;
  let again = false;
  const save = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    const data = new FormData(form);
    for (const [name, value] of [...data.entries()]) if (value instanceof File) data.delete(name);
    data.delete("action");
    try {
      const response = await fetch(form.dataset.autosave, {
        method: "POST",
        body: data,
        headers: { "x-autosave": "1", accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const at = new Date().toLocaleTimeString(french ? "fr-FR" : "en-GB", { hour: "2-digit", minute: "2-digit" });
      say(french ? `Brouillon enregistré automatiquement à ${at}.` : `Draft saved automatically at ${at}.`);
    } catch {
      say(
        french
          ? "Enregistrement automatique impossible pour l’instant : utilisez le bouton « Enregistrer le brouillon »."
          : "Automatic saving is not possible right now: use the “Save the draft” button.",
      );
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  };
  form.addEventListener("input", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.type === "file") return;
    schedule();
  });
  form.addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.type === "file") return;
    schedule();
  });
  form.addEventListener("submit", () => clearTimeout(timer));

  // A field other fields depend on (data-refresh): once changed, the draft is saved and the
  // page comes back at that field, showing or hiding what depends on it. Without JavaScript
  // the same happens at the next save.
  const saveButton = form.querySelector('button[name="action"][value="save"]');
  for (const block of form.querySelectorAll("[data-refresh]")) {
    block.addEventListener("change", () => {
      clearTimeout(timer);
      const marker = document.createElement("input");
      marker.type = "hidden";
      marker.name = "refresh";
      marker.value = block.dataset.refresh;
      form.append(marker);
      form.requestSubmit(saveButton || undefined);
    });
  }
  const target = /^#champ-\d+$/.test(location.hash) ? document.querySelector(location.hash) : null;
  const first = target?.querySelector("input:not([type=hidden]), select, textarea");
  if (first) {
    // after the browser's own scroll to the fragment, which may take the focus back to the page
    window.addEventListener("load", () =>
      setTimeout(() => (target.querySelector("input:checked") || first).focus({ preventScroll: true }), 0),
    );
  }
})();
