// Submits forms marked data-autosubmit as soon as the page loads (logout hand-overs).
// Without JavaScript the form's own button does the same: this only saves a click.
for (const form of document.querySelectorAll("form[data-autosubmit]")) form.requestSubmit();
