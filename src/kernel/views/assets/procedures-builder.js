// The builder's field lists, enhanced: "Monter" / "Descendre" move the field in place
// instead of reloading the page. The form is posted as without JavaScript; the list
// of the page the server answers replaces this one, focus stays on the moved field's
// button, and a live region says where the field now stands. On any failure the form
// is submitted the ordinary way. Without JavaScript nothing changes.
(() => {
  if (!window.fetch || !window.FormData || !window.DOMParser) return;
  const status = document.querySelector("[data-builder-status]");
  const french = document.documentElement.lang !== "en";
  let busy = false;

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-builder-move]")) return;
    const list = form.closest("[data-builder-list]");
    const item = form.closest("li[id]");
    if (!list || !item) return;
    event.preventDefault();
    if (busy) return;
    busy = true;
    const direction = new FormData(form).get("sens");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { accept: "text/html" },
        credentials: "same-origin",
      });
      if (!response.ok || !response.redirected) throw new Error(String(response.status));
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector(`[data-builder-list="${list.dataset.builderList}"]`);
      if (!fresh) throw new Error("no list");
      list.replaceWith(document.adoptNode(fresh));
      const moved = document.getElementById(item.id);
      const buttons = moved ? [...moved.querySelectorAll(":scope > div form[data-builder-move]")] : [];
      const same = buttons.find((f) => new FormData(f).get("sens") === direction) ?? buttons[0];
      same?.querySelector("button")?.focus();
      if (moved && status) {
        const siblings = [...moved.parentElement.children];
        const title = moved.querySelector(".fr-card__title")?.textContent?.trim() ?? "";
        const at = siblings.indexOf(moved) + 1;
        status.textContent = french
          ? `« ${title} » est maintenant en position ${at} sur ${siblings.length}.`
          : `“${title}” is now at position ${at} of ${siblings.length}.`;
      }
    } catch {
      form.submit();
    } finally {
      busy = false;
    }
  });
})();
