// The sign-in form both pages share: an API key and its secret, kept in this
// tab's sessionStorage only (closing the tab forgets them).

import { useState } from "preact/hooks";
import { BourseClient } from "../../client/mod.ts";
import { plainError } from "./errors.ts";
import { BASE_URL, type Credentials, type Session } from "./session.ts";

export function SignIn({
  session,
  title,
  verify,
}: {
  session: Session;
  title: string;
  /** A signed call that must succeed before the key is kept (a wrong key is said at once). */
  verify?: (client: BourseClient) => Promise<unknown>;
}) {
  const [apiKey, setKey] = useState("");
  const [secret, setSecret] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (apiKey.trim() === "" || secret.trim() === "") {
      setProblem("Enter both the API key and its secret.");
      return;
    }
    const c: Credentials = { apiKey: apiKey.trim(), secret: secret.trim() };
    setBusy(true);
    try {
      await verify?.(new BourseClient({ baseUrl: BASE_URL, ...c }));
      setProblem(null);
      session.signIn(c);
    } catch (err) {
      setProblem(plainError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="signin" aria-label={title} onSubmit={submit}>
      <h2>{title}</h2>
      <label>
        API key
        <input
          name="api_key"
          autoComplete="off"
          value={apiKey}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
      </label>
      <label>
        Secret
        <input
          name="secret"
          type="password"
          autoComplete="off"
          value={secret}
          onInput={(e) => setSecret(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      {problem !== null && <p role="alert">{problem}</p>}
      <p class="note">The key and secret stay in this browser tab; requests are signed here.</p>
    </form>
  );
}
