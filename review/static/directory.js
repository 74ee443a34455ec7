// Directory import: the file goes up as multipart/form-data, and the CSRF middleware (asgi-csrf) cannot
// read a token out of a multipart body with the installed python-multipart, so the token travels in the
// x-csrftoken header instead (the middleware checks that header first).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("import-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    const answer = await fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "x-csrftoken": String(data.get("csrftoken") || "") },
    });
    if (answer.redirected) {
      window.location.assign(answer.url);
      return;
    }
    const page = await answer.text();
    document.open();
    document.write(page);
    document.close();
  });
});
