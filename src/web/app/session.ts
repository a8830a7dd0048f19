// Who is signed in, per page (trading or operator console): the API key and
// secret live only in this tab's sessionStorage, never in a cookie or on a
// server, and every request is signed here with Web Crypto by the typed client.

import { computed, type Signal, signal } from "@preact/signals";
import { BourseClient } from "../../client/mod.ts";

export interface Credentials {
  apiKey: string;
  secret: string;
}

export type Slot = "user" | "operator";

/** The gateway that served this page: the API and streams are on the same origin. */
export const BASE_URL = location.origin;
export const publicClient = new BourseClient({ baseUrl: BASE_URL });

const storageKey = (slot: Slot) => `bourse.${slot}`;

function load(slot: Slot): Credentials | null {
  const raw = sessionStorage.getItem(storageKey(slot));
  if (raw === null) return null;
  try {
    const c = JSON.parse(raw) as Partial<Credentials>;
    if (typeof c.apiKey === "string" && typeof c.secret === "string") {
      return { apiKey: c.apiKey, secret: c.secret };
    }
  } catch {
    // A damaged entry is as good as none.
  }
  sessionStorage.removeItem(storageKey(slot));
  return null;
}

export interface Session {
  readonly credentials: Signal<Credentials | null>;
  /** A signing client while signed in, else null. */
  readonly client: { readonly value: BourseClient | null };
  signIn(c: Credentials): void;
  signOut(): void;
}

function session(slot: Slot): Session {
  const credentials = signal(load(slot));
  const client = computed(() => {
    const c = credentials.value;
    return c === null ? null : new BourseClient({ baseUrl: BASE_URL, ...c });
  });
  return {
    credentials,
    client,
    signIn(c) {
      sessionStorage.setItem(storageKey(slot), JSON.stringify(c));
      credentials.value = c;
    },
    signOut() {
      sessionStorage.removeItem(storageKey(slot));
      credentials.value = null;
    },
  };
}

export const userSession = session("user");
export const operatorSession = session("operator");
