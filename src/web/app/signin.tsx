// The sign-in form both pages share: an API key and its secret, kept in this
// tab's sessionStorage only (closing the tab forgets them).

import { useState } from "preact/hooks";
import type { Session } from "./session.ts";

export function SignIn({ session, title }: { session: Session; title: string }) {
  const [apiKey, setKey] = useState("");
  const [secret, setSecret] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <form
      class="signin"
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        if (apiKey.trim() === "" || secret.trim() === "") {
          setProblem("Enter both the API key and its secret.");
          return;
        }
        setProblem(null);
        session.signIn({ apiKey: apiKey.trim(), secret: secret.trim() });
      }}
    >
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
      <button type="submit">Sign in</button>
      {problem !== null && <p role="alert">{problem}</p>}
      <p class="note">The key and secret stay in this browser tab; requests are signed here.</p>
    </form>
  );
}
