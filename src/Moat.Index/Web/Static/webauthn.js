// Security keys (WebAuthn) for the account pages: the only part of the account pages that needs JavaScript,
// because only the browser can talk to the authenticator. Loaded as a file (the CSP allows no inline script).
//
// Markup it enhances (rendered by AccountPages):
//   <form data-webauthn="register|assert" data-csrf="…" data-next="/account/…"> … <p data-webauthn-status role="status"></p></form>
// "register" adds a key (the form's "name" input names it) and, for a first second factor, fills the
// <section data-webauthn-codes hidden><ol></ol></section> with the recovery codes; "assert" is the second login step. The forms also
// post without JavaScript, and the server then explains that a security key needs it.
"use strict";
(function () {
  const api = "/_/account/2fa/webauthn/";

  function bytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
    const binary = atob(base64);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out.buffer;
  }

  function base64url(buffer) {
    const view = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < view.length; i++) binary += String.fromCharCode(view[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function post(path, csrf, body) {
    const response = await fetch(api + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.error || "The server refused the request (" + response.status + ").");
    return json;
  }

  // The server sends binary fields as base64url; the browser API wants ArrayBuffers.
  function creationOptions(o) {
    return {
      challenge: bytes(o.challenge),
      rp: o.rp,
      user: { id: bytes(o.user.id), name: o.user.name, displayName: o.user.displayName },
      pubKeyCredParams: o.pubKeyCredParams,
      excludeCredentials: (o.excludeCredentials || []).map((c) => ({ type: c.type, id: bytes(c.id) })),
      attestation: o.attestation,
      authenticatorSelection: o.authenticatorSelection,
      timeout: 120000,
    };
  }

  function requestOptions(o) {
    return {
      challenge: bytes(o.challenge),
      rpId: o.rpId,
      allowCredentials: (o.allowCredentials || []).map((c) => ({ type: c.type, id: bytes(c.id) })),
      userVerification: o.userVerification,
      timeout: 120000,
    };
  }

  async function register(form, csrf) {
    const name = (form.elements.namedItem("name") || { value: "" }).value;
    const options = await post("register/begin", csrf);
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    if (!credential) throw new Error("The security key returned nothing.");
    return await post("register/finish", csrf, {
      clientDataJson: base64url(credential.response.clientDataJSON),
      attestationObject: base64url(credential.response.attestationObject),
      name: name,
    });
  }

  // A first second factor comes with recovery codes: shown once, here, before the user moves on.
  function showRecoveryCodes(codes) {
    const section = document.querySelector("[data-webauthn-codes]");
    const list = section && section.querySelector("ol");
    if (!list) return false;
    list.replaceChildren(...codes.map((code) => {
      const item = document.createElement("li");
      const text = document.createElement("code");
      text.textContent = code;
      item.appendChild(text);
      return item;
    }));
    section.hidden = false;
    const heading = section.querySelector("h2");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
    return true;
  }

  async function assert(form, csrf) {
    const options = await post("assert/begin", csrf);
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    if (!credential) throw new Error("The security key returned nothing.");
    await post("assert/finish", csrf, {
      credentialId: base64url(credential.rawId),
      clientDataJson: base64url(credential.response.clientDataJSON),
      authenticatorData: base64url(credential.response.authenticatorData),
      signature: base64url(credential.response.signature),
    });
  }

  function enhance(form) {
    const status = form.querySelector("[data-webauthn-status]");
    const say = (text) => { if (status) status.textContent = text; };
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say("This browser does not support security keys.");
      return;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit], button:not([type])");
      if (button) button.disabled = true;
      say("Touch your security key…");
      try {
        if (form.dataset.webauthn === "register") {
          const result = await register(form, form.dataset.csrf);
          say("Security key added.");
          if (result.recovery_codes && showRecoveryCodes(result.recovery_codes)) return;
        } else {
          await assert(form, form.dataset.csrf);
          say("Signed in.");
        }
        window.location.assign(form.dataset.next || window.location.pathname);
      } catch (error) {
        // NotAllowedError: the user cancelled or the key timed out; other errors carry the server's reason.
        say(error && error.name === "NotAllowedError" ? "The security key was not used (cancelled or timed out)." : (error && error.message) || String(error));
        if (button) button.disabled = false;
      }
    });
  }

  function start() {
    document.querySelectorAll("form[data-webauthn]").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
