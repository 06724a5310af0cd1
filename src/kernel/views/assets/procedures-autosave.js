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
})();
